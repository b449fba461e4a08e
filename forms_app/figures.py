"""`flask figures`: the public progress figures (placeholder until the figures land)."""
from __future__ import annotations


def init_app(app) -> None:
    """Register the CLI command."""
