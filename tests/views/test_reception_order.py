"""联合接待, third pass: sessions with seats first, a full one flagged first and bold, and a waiting
resident offered the next session that still has a seat."""
import datetime as dt
import re

import pytest

from forms_app.residents import reception
from tests.conftest import reference, text


@pytest.fixture
def full_soonest(db):
    """The soonest session, and it is full (no seats at all); a later one with two seats."""
    db.execute("UPDATE sessions SET is_open = 0")
    db.execute("INSERT INTO sessions (id, date, start_time, end_time, place, parties, capacity) VALUES "
               "('full', '2099-01-03', '9:00', '11:00', '社区服务中心', '居委会、物业', 0), "
               "('later', '2099-01-10', '9:00', '11:00', '居委会活动室', '居委会、物业', 2)")
    return "full", "later"


def session_labels(body: str) -> list[tuple[str, str]]:
    return re.findall(r'<input[^>]*name="session"[^>]*value="([^"]+)"[^>]*>\s*<label[^>]*>(.*?)</label>', body, re.S)


def test_sessions_with_seats_come_first_and_a_full_one_says_so_first_in_bold(client, full_soonest):
    labels = session_labels(text(client.get("/forms/reception")))
    assert [value for value, _ in labels] == ["later", "full"]
    assert labels[0][1].startswith("1月10日（周六）") and "还有 2 个名额" in labels[0][1]
    assert labels[1][1].startswith('<strong class="flag">【已满·可候补】</strong>1月3日（周六）')
    assert "已有 0 人候补" in labels[1][1]


def test_the_waiting_page_offers_the_next_session_with_seats(forms, full_soonest):
    page = forms.client.get(forms.signup("full").headers["Location"])
    ref, body = reference(page), text(page)
    assert '<span id="position">1</span>' in body
    offer = re.search(r'<div class="inset" id="next-with-seats">(.*?)</div>', body, re.S).group(1)
    assert "1月10日（周六）9:00–11:00" in offer and "还有 2 个名额" in offer and "居委会活动室" in offer
    assert 'href="/forms/reception?session=later&amp;compound=kongjiangdong3"' in offer
    assert f'href="/forms/reception/cancel?ref={ref}"' in offer


def test_no_offer_when_every_other_session_is_full_or_the_seat_is_confirmed(forms, full_soonest, db):
    db.execute("UPDATE sessions SET capacity = 0 WHERE id = 'later'")
    waiting = text(forms.client.get(forms.signup("full").headers["Location"]))
    assert "next-with-seats" not in waiting
    db.execute("UPDATE sessions SET capacity = 5")
    seated = text(forms.client.get(forms.signup("later", phone="13900001111").headers["Location"]))
    assert "报名成功" in seated and "next-with-seats" not in seated


def _session(sid, day, capacity, confirmed=0, waiting=0):
    return reception.Session(sid, dt.date(2099, 1, day), "9:00", "11:00", "社区服务中心", ("居委会",), capacity, True,
                             confirmed, waiting)


def test_with_seats_first_keeps_each_group_soonest_first():
    sessions = [_session("a", 3, 2, confirmed=2, waiting=1), _session("b", 10, 5), _session("c", 17, 1, confirmed=1),
                _session("d", 24, 3)]
    assert [s.id for s in reception.with_seats_first(sessions)] == ["b", "d", "a", "c"]


@pytest.mark.parametrize("session, label", [
    (_session("a", 3, 2, confirmed=2, waiting=1), "【已满·可候补】1月3日（周六）9:00–11:00，社区服务中心。参加：居委会。已有 1 人候补"),
    (_session("b", 10, 5, confirmed=1), "1月10日（周六）9:00–11:00，社区服务中心。参加：居委会。还有 4 个名额"),
])
def test_label(session, label):
    assert session.label == label
