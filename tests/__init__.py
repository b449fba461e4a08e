"""The test suite: one folder per package of forms_app (tests/core, tests/residents, …), tests/kb
for the knowledge base, tests/app for the whole application, tests/deploy for deploy/, tests/emulators
for the service emulators; cross-cutting tests at this level."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
