"""Hook: the nav's 办事指南 section is built from the directory's categories and `guides:`.

Adding a category (with its guide page) then needs no edit of mkdocs.yml or the guides index
(`[[guides-table]]`, hooks/markers.py). A guide page that no category or `guides:` entry names
fails the build, so no page is left out of the nav by mistake.
"""
from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402

from hooks.build import current_directory  # noqa: E402

SECTION = "办事指南"
INDEX = "guides/index.md"


@event_priority(90)  # after hooks/compounds.py has loaded the directory
def on_config(config):
    """Fill the 办事指南 section: its index page, then every guide in the directory's order."""
    section = next((item for item in config.nav or [] if isinstance(item, dict) and SECTION in item), None)
    if section is None:
        raise PluginError(f"mkdocs.yml 的 nav 里要有「{SECTION}」一节（它的页面由目录数据生成）。")
    section[SECTION] = [INDEX] + [{g.title: f"{g.page}.md"} for g in current_directory().guides()]
    return config


def on_files(files, config):
    """Every page under guides/ is the index or a guide the directory names; every named guide exists."""
    named = {f"{g.page}.md" for g in current_directory().guides()}
    pages = {f.src_uri for f in files.documentation_pages() if f.src_uri.startswith("guides/")}
    for uri in sorted(named - pages):
        raise PluginError(f"目录数据里的指南 docs/{uri} 不存在。")
    for uri in sorted(pages - named - {INDEX}):
        raise PluginError(f"docs/{uri} 没有对应的问题类别，也不在目录数据的 guides 里：请在 data/directory.yaml 里加上。")
    return files
