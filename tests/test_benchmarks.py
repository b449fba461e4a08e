"""The benchmarks (scripts/bench/, run on demand, never in the suite) still fit the code: every name they
import from the project exists. A refactor that renames a helper breaks them silently otherwise."""
import ast
import importlib
from pathlib import Path

import pytest

from tests import REPO_ROOT

SCRIPTS = sorted((REPO_ROOT / "scripts" / "bench").glob("*.py"))


def project_imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("forms_app", "tests"):
            yield node.module, [alias.name for alias in node.names]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_name_a_benchmark_imports_exists(script):
    missing = []
    for module_name, names in project_imports(script):
        module = importlib.import_module(module_name)
        for name in names:
            if not hasattr(module, name) and importlib.util.find_spec(f"{module_name}.{name}") is None:
                missing.append(f"{module_name}.{name}")
    assert not missing, f"{script.name} imports what no longer exists: {missing}"


def test_there_are_benchmarks_to_check():
    assert len(SCRIPTS) >= 5
