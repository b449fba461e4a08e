"""`flask digest`: each steward's daily list (placeholder until the digest lands)."""
from __future__ import annotations


def init_app(app) -> None:
    """Register the CLI command."""
