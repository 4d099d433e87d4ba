"""How long a login's session has left: the Max-Age of the browser's login cookie."""

from __future__ import annotations

import datetime as dt

import pytest

from cases import accounts
from cases.store import open_store


@pytest.fixture
def store(store_location):
    s = open_store(store_location, create=True)
    yield s
    s.close()


def test_seconds_left_count_down_to_zero_and_end_with_the_session(store):
    acc = accounts.add_user(store, "赵六", role="county", password="right-password", by="管理员")
    token = accounts.start_session(store, acc, hours=8)
    now = dt.datetime.now().replace(microsecond=0)
    assert 8 * 3600 - 5 <= accounts.session_seconds_left(store, token, now=now) <= 8 * 3600
    assert accounts.session_seconds_left(store, token, now=now + dt.timedelta(hours=7, minutes=59)) in range(55, 66)
    assert accounts.session_seconds_left(store, token, now=now + dt.timedelta(hours=9)) == 0
    accounts.end_session(store, token)
    assert accounts.session_seconds_left(store, token, now=now) == 0


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_no_session_has_no_time_left(store, token):
    assert accounts.session_seconds_left(store, token) == 0
