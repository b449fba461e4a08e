"""The real worker (delivery/sync.py, push.py, pull.py) on every backend's emulator: delivery, exactly once
after a lost answer, the stewards' edits read back, hand-typed records adopted once, sessions both ways.

Steward edits are made through the service's own update call (the adapter's update()), as a steward's
phone app would make them. Runs once per backend (tests/tables_fixtures.py); absent backends skip.
"""
from forms_app.core import outbox
from forms_app.delivery.columns import REPORTS, SESSIONS, SIGNUPS
from forms_app.delivery.sheet_setup import setup
from forms_app.delivery.tables import service_from_config
from forms_app.delivery.tables.base import TableError
from forms_app.residents import reception, reports
from tests.conftest import Forms, reference, text
from tests.tables_fixtures import backend, table_app, table_service  # noqa: F401
from tests.workers import add_reports, worker_fixtures


conn, make_worker = worker_fixtures("table_app", service_from_config)


def keys(backend, title=REPORTS.title, key="提交编号"):
    return [r.get(key, "") for r in backend.shown(title)]


class AnswerLost:
    """The real adapter; its next add() is applied by the service but the answer never arrives."""

    def __init__(self, service):
        self.service, self.armed = service, True

    def __getattr__(self, name):
        return getattr(self.service, name)

    def add(self, spec, rows):
        self.service.add(spec, rows)
        if self.armed:
            self.armed = False
            raise TableError("answer lost", retryable=True, ambiguous=True)


class Counting:
    """The real adapter, counting the calls the worker makes."""

    def __init__(self, service):
        self.service, self.calls = service, []

    def __getattr__(self, name):
        attr = getattr(self.service, name)
        if name in ("add", "update", "records", "ensure"):
            def counted(*args, **kwargs):
                self.calls.append(name)
                return attr(*args, **kwargs)
            return counted
        return attr


def test_a_cycle_delivers_every_pending_report_in_one_add(backend, make_worker, conn):
    add_reports(conn, 40)
    worker = make_worker()
    worker.tables = Counting(worker.tables)
    assert worker.deliver() == 40
    assert worker.tables.calls.count("add") == 1 and outbox.backlog(conn) == 0
    assert keys(backend) == [f"{i:032x}" for i in range(40)]
    first = backend.shown(REPORTS.title)[0]
    assert first["问题描述"] == "第 0 个问题" and first["状态"] == "已受理" and first["小区"]


def test_a_lost_answer_is_not_doubled(backend, make_worker, conn):
    add_reports(conn, 3)
    worker = make_worker()
    worker.deliver()
    add_reports(conn, 4, start=3)
    worker.tables = AnswerLost(worker.tables)
    assert worker.cycle() is False and len(keys(backend)) == 7   # applied, but the worker does not know
    assert worker.cycle() is True
    assert keys(backend) == [f"{i:032x}" for i in range(7)] and outbox.backlog(conn) == 0


def test_a_stewards_status_edit_is_what_the_resident_sees_after_the_next_read_back(backend, table_app, make_worker,
                                                                                   table_service):
    forms = Forms(table_app.test_client())
    ref = reference(forms.client.get(forms.report().headers["Location"]))
    worker = make_worker()
    worker.deliver()
    spec = REPORTS.spec(table_app.extensions["directory"])
    [record] = table_service.records(spec)
    table_service.update(spec, [(record.id, {"状态": "处理中", "公开进展": "物业明天上门。"})])
    worker.pull()
    body = text(forms.submit("/forms/status", {"ref": ref, "last4": "5678"}))
    assert '<p class="status" id="status">处理中</p>' in body and "物业明天上门。" in body


def test_changes_made_here_reach_the_record(backend, table_app, make_worker, conn):
    add_reports(conn, 2)
    worker = make_worker()
    worker.deliver()
    report_id = conn.execute("SELECT id FROM reports ORDER BY id LIMIT 1").fetchone()[0]
    reports.update(conn, report_id, {"public_note": "已联系物业。"})
    worker.deliver()
    assert [r["公开进展"] for r in backend.shown(REPORTS.title)] == ["已联系物业。", ""]


def test_a_hand_typed_record_is_adopted_exactly_once(backend, table_app, make_worker, conn, table_service):
    spec = REPORTS.spec(table_app.extensions["directory"])
    table_service.add(spec, [{"来源": "电话", "小区": "延吉二村", "楼号": "55号", "问题描述": "楼道灯坏了", "联系电话": "13812345678"}])
    worker = make_worker()
    worker.pull()                                            # first sight: maybe still being typed
    assert conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 0
    worker.pull()                                            # unchanged since: numbered and imported
    worker.pull()
    worker.deliver()
    worker.pull()
    [row] = conn.execute("SELECT * FROM reports").fetchall()
    assert row["description"] == "楼道灯坏了" and row["channel"] == "电话"
    [shown] = backend.shown(REPORTS.title)
    assert shown["提交编号"] == row["submission_id"] and shown["编号"] == row["ref"]


def test_signups_are_added_then_updated_in_place(backend, table_app, make_worker, conn):
    forms = Forms(table_app.test_client())
    session = conn.execute("SELECT id FROM sessions ORDER BY date LIMIT 1").fetchone()[0]
    first = reference(forms.client.get(forms.signup(session, phone="13800000001").headers["Location"]))
    forms.signup(session, phone="13800000002")
    worker = make_worker()
    worker.deliver()
    forms.submit("/forms/reception/cancel", {"ref": first, "last4": "0001"})
    worker.deliver()
    shown = backend.shown(SIGNUPS.title)
    assert len(shown) == 2 and sorted(r["报名状态"] for r in shown) == ["已取消", "已报名"]


def test_sessions_both_ways(backend, table_app, make_worker, conn, table_service):
    from forms_app.casework import sessions

    directory = table_app.extensions["directory"]
    with table_app.app_context():
        setup(table_service, reception.open_sessions(conn))   # the sample sessions seeded once
    spec = SESSIONS.spec(directory)
    records = table_service.records(spec)
    assert len(records) == len(reception.open_sessions(conn))
    first = records[0]
    table_service.update(spec, [(first.id, {"地点": "改到居委会二楼", "名额": "6"})])   # a steward edits the table
    worker = make_worker()
    worker.pull()
    got = reception.get_session(conn, first.values["场次编号"])
    assert got.place == "改到居委会二楼" and got.capacity == 6
    values = {k: getattr(got, k) for k in ("date", "start_time", "end_time", "place", "capacity", "is_open")}
    values.update(date=got.date.isoformat(), parties="、".join(got.parties), note="带上房产证复印件", capacity=9)
    sessions.save(conn, values, got.id)                       # a steward edits it on the service's page
    worker.deliver()
    [row] = [r for r in backend.shown(SESSIONS.title) if r["场次编号"] == got.id]
    assert row["名额"] == "9" and row["说明"] == "带上房产证复印件" and row["地点"] == "改到居委会二楼"
    assert len(backend.shown(SESSIONS.title)) == len(records)  # updated in place, not added


class RefusesSecondAdd:
    """The real adapter; its second add() is refused before anything is applied (a rate-limit answer)."""

    def __init__(self, service):
        self.service, self.adds = service, 0

    def __getattr__(self, name):
        return getattr(self.service, name)

    def add(self, spec, rows):
        self.adds += 1
        if self.adds == 2:
            raise TableError("rate limited", retryable=True, ambiguous=False)
        self.service.add(spec, rows)


def test_a_burst_goes_in_chunks_and_a_refused_chunk_alone_is_sent_again(backend, make_worker, conn):
    from forms_app.delivery.push import CHUNK

    add_reports(conn, CHUNK + 100)
    worker = make_worker()
    worker.verify = False                                    # not in doubt: a refusal is not a lost answer
    worker.tables = RefusesSecondAdd(worker.tables)
    assert worker.cycle() is False
    assert len(keys(backend)) == CHUNK and outbox.backlog(conn) == 100   # the first chunk is in and done
    assert worker.cycle() is True and worker.tables.adds == 3
    assert keys(backend) == [f"{i:032x}" for i in range(CHUNK + 100)] and outbox.backlog(conn) == 0


def test_sheet_setup_cli_works_on_the_backend_and_is_safe_to_run_again(backend, table_app):
    runner = table_app.test_cli_runner()
    first = runner.invoke(args=["sheet-setup"])
    assert first.exit_code == 0 and "接待场次" in first.output          # the sample sessions copied once
    second = runner.invoke(args=["sheet-setup"])
    assert second.exit_code == 0 and second.output.strip() == "表格已是最新，没有改动。"
    assert len(backend.shown(SESSIONS.title)) == 3


def test_sync_once_cli_drains_to_the_backend(backend, table_app, conn):
    add_reports(conn, 4)
    result = table_app.test_cli_runner().invoke(args=["sync", "--once"])
    assert result.exit_code == 0, result.output
    assert keys(backend) == [f"{i:032x}" for i in range(4)] and outbox.backlog(conn, outbox.SHEET_KINDS) == 0
