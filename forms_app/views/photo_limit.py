"""The request-size guard of the routes that take photos.

``accepts_photos`` — decorator for a route that takes photos: for a multipart POST carrying the session
cookie, raises that request's body limit to ``route_limit()`` = 3 × PHOTO_MAX_BYTES + MAX_CONTENT_LENGTH +
multipart overhead (a typed field still stops at Flask's MAX_FORM_MEMORY_SIZE, 500 KB, and at the form's
length checks); any other request, and every other route, keeps MAX_CONTENT_LENGTH (64 KB).
"""
from __future__ import annotations

import functools

from flask import current_app, request

from forms_app.residents.photo_clean import MAX_PHOTOS

FORM_OVERHEAD = 16 * 1024  # multipart headers of the parts, on top of MAX_CONTENT_LENGTH for the fields


def route_limit(config=None) -> int:
    """What a photo route accepts: 3 photos at the limit, plus the form's own fields and the part headers."""
    config = config or current_app.config
    return MAX_PHOTOS * config["PHOTO_MAX_BYTES"] + config["MAX_CONTENT_LENGTH"] + FORM_OVERHEAD


def accepts_photos(view):
    """Route decorator: this request may carry photos (every other route keeps MAX_CONTENT_LENGTH)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        # Only for a browser that opened a form here: without the session cookie no CSRF token can match,
        # so a photo-sized body from it is refused (413) before anything is parsed.
        if request.method == "POST" and request.mimetype == "multipart/form-data" \
                and request.cookies.get(current_app.config["SESSION_COOKIE_NAME"]):
            request.max_content_length = route_limit()  # typed fields: Flask's MAX_FORM_MEMORY_SIZE and the form's limits
        return view(*args, **kwargs)
    return wrapper
