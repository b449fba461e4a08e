"""Request counters, so tests and benchmarks can see what reached the 'API'."""
from __future__ import annotations

import threading
import time
from collections import Counter


class Stats:
    """Counts per operation, write requests over time, quota rejections and fired faults."""

    def __init__(self):
        self._lock = threading.Lock()
        self._zero()

    def _zero(self) -> None:
        """Set every counter to zero."""
        self._requests: Counter = Counter()
        self._faults: Counter = Counter()
        self._write_times: list[float] = []
        self._writes_applied = 0
        self._quota_rejections = 0
        self._tokens_issued = 0

    def reset(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self._zero()

    def request(self, op: str) -> None:
        """A request for an operation arrived."""
        with self._lock:
            self._requests[op] += 1

    def write_received(self) -> None:
        """A write request (append/update/clear/batchUpdate) arrived."""
        with self._lock:
            self._write_times.append(time.monotonic())

    def write_applied(self) -> None:
        """A write request succeeded."""
        with self._lock:
            self._writes_applied += 1

    def quota_rejected(self) -> None:
        """A write request was refused with 429 by the quota."""
        with self._lock:
            self._quota_rejections += 1

    def fault_fired(self, kind: str) -> None:
        """An injected fault fired."""
        with self._lock:
            self._faults[kind] += 1

    def token_issued(self) -> None:
        """The token endpoint handed out an access token."""
        with self._lock:
            self._tokens_issued += 1

    def snapshot(self, window: float = 60.0) -> dict:
        """All counters as JSON-ready data, with the busiest rolling window of write requests."""
        with self._lock:
            times = list(self._write_times)
            busiest, start = 0, 0
            for end, t in enumerate(times):
                while times[start] <= t - window:
                    start += 1
                busiest = max(busiest, end - start + 1)
            return {
                "requests": dict(self._requests),
                "write_requests": len(times),
                "writes_applied": self._writes_applied,
                "max_write_requests_per_window": busiest,
                "window_seconds": window,
                "quota_rejections": self._quota_rejections,
                "faults_fired": dict(self._faults),
                "tokens_issued": self._tokens_issued,
            }
