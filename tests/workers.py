"""What the tests of the sync worker share, whichever table service it delivers to."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable

from forms_app.delivery.sync import Worker
from forms_app.residents import reports
from tests.test_reports import DATA


@contextmanager
def fake_clock_workers(app, conn, open_service: Callable):
    """make(**options): a Worker on a fresh `open_service(app.config)` whose sleeps are recorded in
    `worker.slept` instead of waited; every service it opened is closed at the end."""
    made = []

    def make(**options) -> Worker:
        service = open_service(app.config)
        worker = Worker(conn, service, app.extensions["directory"], **options)
        worker.slept = []
        worker.sleep = worker.slept.append
        made.append(service)
        return worker

    try:
        yield make
    finally:
        for service in made:
            service.close()


def add_reports(conn, n: int, start: int = 0) -> None:
    """Reports start … start+n-1, their submission ids those numbers as 32 hex digits."""
    for i in range(start, start + n):
        reports.create(conn, f"{i:032x}", {**DATA, "description": f"第 {i} 个问题"})
