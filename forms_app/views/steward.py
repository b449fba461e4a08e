"""/forms/steward — the stewards' own pages (placeholder until the steward view lands)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("steward", __name__, url_prefix="/forms/steward")
