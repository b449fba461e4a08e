"""Check a directory data file the way the site and the forms will read it, with Chinese messages.

`scripts/check-directory [FILE]` and `flask --app forms_app check-directory [FILE]` both call
check(): it parses the file (every rule of core/directory.py) and checks that every guide page the
data names exists under docs/. Run it after editing data/directory.yaml, before deploying.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .directory import DirectoryError, load

ROOT = Path(__file__).resolve().parents[2]


def check(path: str | Path | None = None, docs: Path = ROOT / "docs") -> str:
    """A one-line summary of a valid file; raises DirectoryError naming the first problem."""
    try:
        d = load(path)
    except OSError as exc:
        raise DirectoryError(f"打不开目录文件 {path}：{exc.strerror or exc}") from None
    for guide in d.guides():
        if not (docs / f"{guide.page}.md").is_file():
            raise DirectoryError(f"指南「{guide.title}」的页面 docs/{guide.page}.md 不存在。")
    covered = sum(1 for a in d.areas.values() if a.covered)
    sample = "（示例数据，上线前要街道确认）" if d.street.get("sample") else ""
    return (f"目录数据没有问题{sample}：{len(d.stewards)} 位大管家，{len(d.areas)} 个居民区（{covered} 个有大管家），"
            f"{len(d.compounds)} 个小区，{len(d.categories)} 个问题类别。")


def main(argv: list[str] | None = None) -> int:
    """Command line: print the summary, or the problem and exit 1."""
    args = sys.argv[1:] if argv is None else argv
    try:
        print(check(args[0] if args else None))
        return 0
    except DirectoryError as exc:
        print(f"目录数据有误：{exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
