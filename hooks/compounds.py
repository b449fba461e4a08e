"""Hook: load the street's directory and generate the 小区与大管家 section from it.

on_config loads and validates data/directory.yaml (or $DIRECTORY_FILE) once per build and takes
site_url from it; on_files adds compounds/index.md, a page, a poster and a QR code per compound
as generated files. Compound pages stay out of the nav so each page's HTML does not grow with
the number of compounds (the build stays linear).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402
from mkdocs.structure.files import File, InclusionLevel  # noqa: E402

from forms_app.core import facts  # noqa: E402
from hooks import compound_pages as pages  # noqa: E402
from hooks.build import current_directory, load_directory  # noqa: E402

URL_SAFE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


@event_priority(100)  # before other hooks, which read the directory
def on_config(config):
    """Load the directory; its street.site_url is the site's address (QR codes, canonical links)."""
    directory = load_directory()
    site_url = str(directory.street.get("site_url") or "").strip()
    if not site_url.startswith(("http://", "https://")):
        raise PluginError("目录数据有误：street 下的 site_url 要写网站地址，以 http:// 或 https:// 开头。")
    host = urlsplit(site_url).hostname or ""
    if not directory.street.get("sample") and (host in ("localhost", "::1") or host.startswith("127.")):
        # Posters and QR codes are printed and stuck in stairwells: they must carry the real address.
        raise PluginError(f"目录数据有误：正式数据（sample: false）的 site_url 还是本机地址 {site_url}，"
                          "二维码和海报会打不开。请改成网站的正式地址。")
    if not config.site_url:
        config.site_url = site_url.rstrip("/") + "/"
    # Another street runs the same site from its own directory file: its name everywhere.
    config.site_name = facts.brand(directory)
    config.site_description = f"{directory.street.get('name', '')}社区大管家：只跑一站路，只进一扇门，只找一个人。"
    config.copyright = facts.fact("operator", directory)
    return config


def on_files(files, config):
    """Add the generated section; a hand-written file in its place is an error, not a silent loss."""
    directory = current_directory()
    generated = [(f"{pages.SECTION}/index.md", pages.index_markdown(directory), InclusionLevel.INCLUDED)]
    for compound in directory.compounds.values():
        if not URL_SAFE_ID.fullmatch(compound.id) or compound.id == "index" or compound.id.endswith("-poster"):
            raise PluginError(f"目录数据有误：小区 id「{compound.id}」会成为网址的一部分，只能用小写字母、数字和连字符，"
                              "不能叫 index，也不能以 -poster 结尾。")
        svg = pages.qr_svg(pages.report_url(directory, compound), f"{compound.name}：扫码反映问题")
        generated += [
            (pages.page_uri(compound), pages.compound_markdown(directory, compound), InclusionLevel.NOT_IN_NAV),
            (pages.poster_uri(compound), pages.poster_markdown(directory, compound), InclusionLevel.NOT_IN_NAV),
            (pages.qr_uri(compound), svg, InclusionLevel.INCLUDED),
            (pages.qr_png_uri(compound), pages.qr_png(pages.report_url(directory, compound)), InclusionLevel.INCLUDED),
        ]
    for uri, content, inclusion in generated:
        if files.get_file_from_path(uri) is not None:
            raise PluginError(f"docs/{uri} 是根据目录数据自动生成的，请删掉这个手写的文件，改 data/directory.yaml。")
        files.append(File.generated(config, uri, content=content, inclusion=inclusion))
    return files
