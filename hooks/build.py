"""What the hooks share: the project root, and the street's directory for the current build.

Not a hook itself. Each hook file puts the project root on sys.path before importing this,
because MkDocs loads hook files by path, not as a package.
"""
from __future__ import annotations

import posixpath
from pathlib import Path

from mkdocs.exceptions import PluginError

from forms_app.core import directory as directory_data

ROOT = Path(__file__).resolve().parent.parent

_current: directory_data.Directory | None = None


def load_directory() -> directory_data.Directory:
    """Load and validate the directory for this build ($DIRECTORY_FILE or data/directory.yaml)."""
    global _current
    try:
        _current = directory_data.load()
    except (directory_data.DirectoryError, OSError) as exc:
        raise PluginError(f"目录数据有误，网站没有生成：{exc}") from None
    return _current


def current_directory() -> directory_data.Directory:
    """The directory loaded by this build's on_config."""
    if _current is None:
        raise PluginError("目录数据还没有加载：mkdocs.yml 的 hooks 里要先列出 hooks/compounds.py。")
    return _current


def link(from_src_uri: str, to_src_uri: str) -> str:
    """A Markdown link target from one docs file to another, so MkDocs validates it."""
    return posixpath.relpath(to_src_uri, posixpath.dirname(from_src_uri) or ".")
