"""Error answers in the shapes Google's Sheets, Drive and OAuth endpoints use."""
from __future__ import annotations

from http import HTTPStatus

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
    404: "NOT_FOUND", 409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
    501: "NOT_IMPLEMENTED", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}
_DEFAULT_MESSAGES = {
    401: ("Request had invalid authentication credentials. Expected OAuth 2 access token, "
          "login cookie or other valid authentication credential. "
          "See https://developers.google.com/identity/sign-in/web/devconsole-project."),
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
    504: "Deadline expired before operation could complete.",
}


def error_page(code: int) -> str:
    """The HTML page Google's front end serves for errors such as 502 (not JSON)."""
    return (
        "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
        f"  <title>Error {code} (Server Error)!!1</title>\n"
        f"  <p><b>{code}.</b> <ins>That\u2019s an error.</ins>\n"
        "  <p>The server encountered a temporary error and could not complete your request."
        "<p>Please try again in 30 seconds.  <ins>That\u2019s all we know.</ins>\n"
    )


class ApiError(Exception):
    """An error answer: HTTP status plus the JSON body Google would send."""

    def __init__(self, code: int, message: str | None = None, *, body: dict | None = None):
        self.code = code
        self.body = body if body is not None else sheets_error_body(code, message)
        super().__init__(f"{code}: {self.body}")


def sheets_error_body(code: int, message: str | None = None, details: list | None = None) -> dict:
    """{'error': {'code', 'message', 'status'}} as the Sheets API writes it."""
    error = {
        "code": code,
        "message": message or _DEFAULT_MESSAGES.get(code) or HTTPStatus(code).phrase,
        "status": _STATUS_NAMES.get(code, HTTPStatus(code).name),
    }
    if details:
        error["details"] = details
    return {"error": error}


def bad_request(message: str) -> ApiError:
    """A 400 INVALID_ARGUMENT with Google's message."""
    return ApiError(400, message)


def invalid_value(field: str, value: object) -> ApiError:
    """The 400 Google sends when a JSON value has the wrong type, with its field violation."""
    shown = value if isinstance(value, str) else repr(value)
    message = f"Invalid value at '{field}' (type.googleapis.com/google.protobuf.ListValue), \"{shown}\""
    details = [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field, "description": message}]}]
    return ApiError(400, body=sheets_error_body(400, message, details))


def quota_exceeded(kind: str = "Write") -> ApiError:
    """The 429 RESOURCE_EXHAUSTED body Google sends when the per-user request quota is used up."""
    limit = f"{kind}RequestsPerMinutePerUser"
    message = (f"Quota exceeded for quota metric '{kind} requests' and limit "
               f"'{kind} requests per minute per user' of service 'sheets.googleapis.com' "
               "for consumer 'project_number:000000000000'.")
    details = [{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "RATE_LIMIT_EXCEEDED",
        "domain": "googleapis.com",
        "metadata": {"quota_metric": f"sheets.googleapis.com/{kind.lower()}_requests",
                     "quota_limit": limit, "service": "sheets.googleapis.com",
                     "consumer": "projects/000000000000"},
    }]
    return ApiError(429, body=sheets_error_body(429, message, details))


def drive_not_found(file_id: str) -> ApiError:
    """Drive v3's 404 for an unknown file id (Drive keeps the older 'errors' list)."""
    message = f"File not found: {file_id}."
    return ApiError(404, body={"error": {
        "code": 404, "message": message,
        "errors": [{"message": message, "domain": "global", "reason": "notFound",
                    "location": "fileId", "locationType": "parameter"}],
    }})


def oauth_error(error: str, description: str) -> ApiError:
    """A 400 from the token endpoint, in OAuth's own shape."""
    return ApiError(400, body={"error": error, "error_description": description})
