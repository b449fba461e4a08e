"""Per-user request quota over a rolling window (Google: 60 write requests per minute per user)."""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class RollingQuota:
    """At most `limit` requests per user in any `window` seconds; limit None switches it off."""

    def __init__(self, limit: int | None = None, window: float = 60.0):
        self.limit = limit
        self.window = window
        self._lock = threading.Lock()
        self._hits: dict[str, deque] = defaultdict(deque)

    def admit(self, user: str) -> bool:
        """Record a request if the user still has quota; False means answer 429."""
        if self.limit is None:
            return True
        now = time.monotonic()
        with self._lock:
            hits = self._hits[user]
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def configure(self, limit: int | None, window: float | None = None) -> None:
        """Change the limit (and window) and forget past requests."""
        with self._lock:
            self.limit = limit
            if window is not None:
                self.window = window
            self._hits.clear()

    def reset(self) -> None:
        """Forget past requests."""
        with self._lock:
            self._hits.clear()
