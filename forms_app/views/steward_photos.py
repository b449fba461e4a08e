"""/forms/steward/photos/<name> — a report's photos, for signed-in stewards only.

These routes join the steward blueprint, so its before_request guard runs first: anyone not signed in
is sent to the sign-in page and never gets a byte of a photo. Served only when a row of the photos
table names the file; `no-store`, so no shared computer or proxy keeps a copy. Names are random and
the log lines here never carry them.
"""
from __future__ import annotations

import logging

from flask import Response, abort, g, request

from forms_app.core.store import get_db
from forms_app.residents import photos
from .steward import bp

log = logging.getLogger(__name__)
HEADERS = {"Cache-Control": "no-store, private", "Content-Disposition": "inline", "X-Robots-Tag": "noindex, nofollow"}


@bp.get("/photos/<name>")
def photo(name: str):
    """The photo itself, or its thumbnail with ?size=thumb."""
    row = photos.by_name(get_db(), name)
    path = photos.path_of(name) if row is not None else None
    if path is None or not path.is_file():
        abort(404)
    log.info("steward %s viewed a photo of report id %d", g.steward.id, row["report_id"])
    body = photos.thumbnail(name) if request.args.get("size") == "thumb" else path.read_bytes()  # ≤ 1600 px: small
    if body is None:
        abort(404)
    return Response(body, mimetype="image/jpeg", headers=HEADERS)


@bp.context_processor
def photo_helpers() -> dict:
    """For the case page (steward/_photos.html) and the sign-in sheet (steward/_linked_photos.html)."""
    return {"report_photos": lambda report_id: photos.for_report(get_db(), report_id),
            "photo_origins": photos.ORIGIN_LABELS}
