"""Durable files: what a crash or a power cut must not half-undo."""
from __future__ import annotations

import os
from pathlib import Path


def fsync(path: str | os.PathLike) -> None:
    """Flush a file, or a folder (on Linux a folder opened read-only can be fsynced: a rename in it lasts)."""
    fd = os.open(Path(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
