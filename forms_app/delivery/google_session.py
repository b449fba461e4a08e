"""The authorized HTTP session gspread uses, optionally pointed at another host (the test emulator).

gspread copies its Google URLs at import time, so the only reliable way to send its traffic
elsewhere is the session it is given: `gspread.Client(auth=credentials, session=make_session(...))`.
google-auth also makes calls of its own (token refresh, and since 2.4x an access-boundary lookup
on iamcredentials.googleapis.com); those go through the same rewrite, so a redirected session
sends nothing to Google at all.
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import requests
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession, Request

GOOGLE_API_HOSTS = frozenset({"sheets.googleapis.com", "www.googleapis.com",
                              "oauth2.googleapis.com", "iamcredentials.googleapis.com"})


def redirect(url: str, base_url: str | None) -> str:
    """The URL with a Google API scheme and host replaced by base_url (unchanged when base_url is None)."""
    parts = urlsplit(url)
    if not base_url or parts.hostname not in GOOGLE_API_HOSTS:
        return url
    base = urlsplit(base_url.rstrip("/"))
    return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, parts.fragment))


class _RedirectingSession(requests.Session):
    """A plain session for google-auth's own calls, redirected like the main one."""

    # google-auth deep-copies this session for its background lookup; Session copies only __attrs__.
    __attrs__ = [*requests.Session.__attrs__, "base_url"]

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url

    def request(self, method, url, *args, **kwargs):
        """Redirect, then send as usual."""
        return super().request(method, redirect(url, self.base_url), *args, **kwargs)


class GoogleSession(AuthorizedSession):
    """An AuthorizedSession that sends Google API requests to base_url when it is set."""

    def __init__(self, credentials: Credentials, base_url: str | None = None):
        self.base_url = base_url
        self._auth_session = _RedirectingSession(base_url) if base_url else None
        auth_request = Request(self._auth_session) if self._auth_session else None
        super().__init__(credentials, auth_request=auth_request)

    def request(self, method, url, *args, **kwargs):
        """Redirect Google API URLs, then send with credentials as usual."""
        return super().request(method, redirect(url, self.base_url), *args, **kwargs)

    def close(self):
        """Close this session and the one google-auth uses for tokens."""
        super().close()
        if self._auth_session is not None:
            self._auth_session.close()


def make_session(credentials: Credentials, base_url: str | None) -> requests.Session:
    """A session for gspread; base_url None talks to Google itself."""
    return GoogleSession(credentials, base_url)
