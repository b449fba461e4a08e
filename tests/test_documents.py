"""Every path a document names exists: README, the manual, .env.example, deploy/, the emulators' READMEs
and the knowledge-base pages.

A path is a repository-relative name in backticks (`forms_app/core/config.py`, `scripts/run`) or a
Markdown link target ([…](manual/deploy.md), relative to the document). Names inside the form
service may drop their `forms_app/` (`core/deadlines.py`, `templates/_call.html`). Placeholders
(`docs/guides/<page>.md`, `…`), globs and things built at run time (`site/`, `var/`, `.venv/`) are not
paths to check.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "forms_app"

# Top-level entries a backticked name may start with (anything else — a URL path, a setting, a
# command — is not a repository path).
TOP = {"forms_app", "scripts", "data", "tests", "deploy", "manual", "docs", "hooks", "overrides", ".ci"}
TOP_FILES = {"README.md", ".env.example", "mkdocs.yml", "pytest.ini", "requirements.txt", "requirements-dev.txt"}
# Folders inside forms_app/ that documents name without the package.
INSIDE = {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("__")}
# Made when the product runs or builds, never in the repository (and what .gitignore keeps out).
BUILT = {"site", "var", "instance", "backups", "photos", ".venv"}
IGNORED = tuple(line.strip().lstrip("/") for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
                if line.startswith("/"))
PLACEHOLDER = re.compile(r"[<>*{}…|$]|\.\.\.|NNNN")

CODE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def documents() -> list[Path]:
    found = [ROOT / "README.md", ROOT / ".env.example", *sorted((ROOT / "manual").glob("*.md"))]
    found += sorted(p for p in (ROOT / "deploy").rglob("*") if p.is_file())
    found += sorted(ROOT.glob("tests/*_emulator/README.md")) + sorted(ROOT.glob("tests/emulator_kit/README.md"))
    found += sorted((ROOT / "docs").rglob("*.md"))   # the knowledge base names a few files (data, manual)
    return found


def candidates(token: str) -> list[str]:
    """The path(s) one backticked token names, or [] when it names none."""
    token = token.strip().rstrip(".,;:")
    if " " in token or PLACEHOLDER.search(token) or "://" in token or token.startswith(("/", "-")):
        return []
    path = token.split("#")[0].split("::")[0]
    if path in TOP_FILES:
        return [path]
    head = path.split("/", 1)[0]
    if "/" not in path or head in BUILT or path.startswith(IGNORED):
        return []
    if head in TOP:
        return [path]
    if head in INSIDE:
        return [f"forms_app/{path}"]
    return []


def named_paths(document: Path) -> set[tuple[str, Path]]:
    """(as written, resolved) for every path the document names."""
    text = document.read_text(encoding="utf-8")
    out = set()
    for token in CODE.findall(text):
        for rel in candidates(token):
            out.add((token, ROOT / rel))
    # Links between knowledge-base pages are the strict MkDocs build's to check (some pages are generated).
    if document.suffix == ".md" and ROOT / "docs" not in document.parents:
        for target in LINK.findall(text):
            if "://" in target or target.startswith(("#", "/", "mailto:", "tel:")) or PLACEHOLDER.search(target):
                continue
            out.add((target, (document.parent / target.split("#")[0]).resolve()))
    return out


def exists(path: Path) -> bool:
    """The file or folder, or a module named without .py; `core/cases.STATUS_MEANINGS` (a module and a name
    in it): the module holds the name."""
    if path.exists() or path.with_name(path.name + ".py").is_file():   # `residents/texts`: a module
        return True
    module, dot, name = path.name.rpartition(".")
    source = path.with_name(module + ".py")
    return bool(dot and module and name.isidentifier() and source.is_file()
                and re.search(rf"\b{re.escape(name)}\b", source.read_text(encoding="utf-8")))


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_path_a_document_names_exists(document):
    missing = sorted(written for written, path in named_paths(document) if not exists(path))
    assert missing == [], f"{document.relative_to(ROOT)} names paths that do not exist: {missing}"


def test_the_checker_sees_paths_and_only_paths(tmp_path):
    assert candidates("forms_app/core/config.py") == ["forms_app/core/config.py"]
    assert candidates("core/deadlines.py") == ["forms_app/core/deadlines.py"]
    assert candidates("scripts/run") == ["scripts/run"]
    for not_a_path in ("flask --app forms_app sync", "/forms/steward", "docs/guides/<page>.md", "site/",
                       "SHEET_BACKEND", "https://open.feishu.cn", "docs/**.md", "s1:139…"):
        assert candidates(not_a_path) == [], not_a_path
    page = tmp_path / "page.md"
    page.write_text("See `forms_app/nowhere.py` and [the manual](missing.md).", encoding="utf-8")
    assert {w for w, p in named_paths(page) if not exists(p)} == {"forms_app/nowhere.py", "missing.md"}
    assert exists(ROOT / "forms_app/core/cases.STATUS_MEANINGS")
    assert not exists(ROOT / "forms_app/core/cases.NO_SUCH_NAME")


def test_the_readme_is_short_keeps_the_two_commands_and_links_every_manual_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    assert "scripts/run     # the whole product on http://127.0.0.1:8000" in readme
    assert "scripts/test    # the whole test suite" in readme
    linked = set(LINK.findall(readme))
    unlinked = [p.name for p in sorted((ROOT / "manual").glob("*.md")) if f"manual/{p.name}" not in linked]
    assert unlinked == []


def package_rows(readme: str) -> dict[str, list[str]]:
    """The README's table of forms_app's packages: package -> the names its modules cell gives."""
    rows = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        found = re.fullmatch(r"`(\w+)/`", cells[0]) if len(cells) == 3 else None
        if found and (PACKAGE / found.group(1) / "__init__.py").is_file():
            rows[found.group(1)] = [t for t in CODE.findall(cells[2]) if " " not in t]
    return rows


def test_the_layout_table_lists_every_module_of_every_package_and_only_those():
    """A module added, split or moved must show in the README's layout; a name there must be a module."""
    rows = package_rows((ROOT / "README.md").read_text(encoding="utf-8"))
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert set(rows) == packages
    problems = []
    for package, names in rows.items():
        folder = PACKAGE / package
        for name in names:
            if not (list(folder.glob(name)) or (folder / f"{name}.py").is_file()):
                problems.append(f"{package}/{name} does not exist")
        listed = {n.rstrip("/") for n in names}
        for path in sorted(folder.iterdir()):
            name = path.stem if path.suffix == ".py" else path.name
            if path.suffix == ".py" and name != "__init__" or (path / "__init__.py").is_file():
                if name not in listed and not any(folder.glob(n) and path in folder.glob(n) for n in names if "*" in n):
                    problems.append(f"{package}/{path.name} is not in the layout table")
    assert problems == []
