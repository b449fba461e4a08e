"""What the tests of the sync worker share, whichever table service it delivers to."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable

import pytest

from forms_app.core.store import connect
from forms_app.delivery.sync import Worker
from forms_app.residents import reports
from tests.residents.test_reports import DATA


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


def worker_fixtures(app_fixture: str, open_service: Callable):
    """(conn, make_worker) fixtures for the app fixture named `app_fixture`: a connection to its
    database, and fake_clock_workers on that connection and `open_service`."""

    @pytest.fixture(name="conn")
    def database(request):
        c = connect(request.getfixturevalue(app_fixture).config["DATABASE"])
        yield c
        c.close()

    @pytest.fixture(name="make_worker")
    def workers(request, conn):
        with fake_clock_workers(request.getfixturevalue(app_fixture), conn, open_service) as make:
            yield make

    workers.__doc__ = fake_clock_workers.__doc__
    return database, workers


def add_reports(conn, n: int, start: int = 0) -> None:
    """Reports start … start+n-1, their submission ids those numbers as 32 hex digits."""
    for i in range(start, start + n):
        reports.create(conn, f"{i:032x}", {**DATA, "description": f"第 {i} 个问题"})
