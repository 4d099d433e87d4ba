"""Accounts: hashed passwords, lockout after 5 failures, sessions that expire (and how long they have left: the
login cookie's Max-Age), every login and logout audited."""

from __future__ import annotations

import datetime as dt

import pytest

from cases import accounts
from cases.accounts import Account
from cases.store import open_store
from geo.errors import AuthenticationError, ValidationError


@pytest.fixture
def store(store_location):
    s = open_store(store_location, create=True)
    yield s
    s.close()


def test_password_is_stored_hashed_never_in_clear(store):
    accounts.add_user(store, "张三", role="township", township="峨口", password="correct-horse", by="管理员")
    (hashed,) = store.query("SELECT password_hash FROM users WHERE name = '张三'")[0]
    assert "correct-horse" not in hashed and hashed.startswith("$argon2id$")
    assert accounts.authenticate(store, "张三", "correct-horse") == Account("张三", "township", "峨口镇", None)


@pytest.mark.parametrize(("kw", "message"), [
    (dict(role="boss"), "角色「boss」无效"),
    (dict(role="township"), "乡镇账号需要 --township"),
    (dict(role="township", township="北京"), "不是代县的乡镇"),
    (dict(role="county", township="峨口镇"), "不能指定 --township"),
    (dict(role="department"), "部门账号需要 --department"),
    (dict(role="county", password="short"), "密码至少 8 个字符"),
])
def test_bad_accounts_are_refused_with_a_chinese_message(store, kw, message):
    with pytest.raises(ValidationError, match=message):
        accounts.add_user(store, "李四", **{"password": "long-enough-1", **kw}, by="管理员")
    assert not accounts.has_accounts(store)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(store):
    accounts.add_user(store, "王五", role="readonly", password="right-password", by="管理员")
    t0 = dt.datetime(2019, 7, 1, 9, 0)
    for _ in range(accounts.MAX_FAILED_LOGINS - 1):
        with pytest.raises(AuthenticationError, match="用户名或密码错误"):
            accounts.authenticate(store, "王五", "wrong", now=t0)
    with pytest.raises(AuthenticationError, match="已锁定 15 分钟"):
        accounts.authenticate(store, "王五", "wrong", now=t0)
    with pytest.raises(AuthenticationError, match="已锁定"):
        accounts.authenticate(store, "王五", "right-password", now=t0 + dt.timedelta(minutes=14))
    assert accounts.authenticate(store, "王五", "right-password", now=t0 + dt.timedelta(minutes=16)).name == "王五"
    log = store.audit()
    assert list(log["action"]).count("login_failed") == 6 and list(log["action"])[-1] == "login"
    assert set(log.loc[log["action"].str.startswith("login"), "user"]) == {"王五"}


def test_unknown_user_and_wrong_password_say_the_same(store):
    accounts.add_user(store, "王五", role="readonly", password="right-password", by="管理员")
    messages = set()
    for name, pw in (("王五", "nope"), ("没有这个人", "nope")):
        with pytest.raises(AuthenticationError) as exc:
            accounts.authenticate(store, name, pw)
        messages.add(str(exc.value))
    assert messages == {"用户名或密码错误"}


def test_disabled_account_cannot_log_in_and_its_sessions_end(store):
    acc = accounts.add_user(store, "赵六", role="county", password="right-password", by="管理员")
    token = accounts.start_session(store, acc)
    assert accounts.session_account(store, token) == acc
    accounts.disable_user(store, "赵六", by="管理员")
    assert accounts.session_account(store, token) is None
    with pytest.raises(AuthenticationError, match="已停用"):
        accounts.authenticate(store, "赵六", "right-password")


def test_sessions_expire(store):
    acc = accounts.add_user(store, "赵六", role="county", password="right-password", by="管理员")
    token = accounts.start_session(store, acc, hours=8)
    assert accounts.session_account(store, token, now=dt.datetime.now() + dt.timedelta(hours=7)) == acc
    assert accounts.session_account(store, token, now=dt.datetime.now() + dt.timedelta(hours=9)) is None
    assert accounts.session_account(store, "forged-token") is None


def test_first_administrator_only_while_there_is_no_account(store):
    admin = accounts.create_first_administrator(store, "管理员", "admin-password")
    assert admin.role == "county"
    with pytest.raises(AuthenticationError, match="已有账号"):
        accounts.create_first_administrator(store, "另一个", "admin-password")


def test_password_change_unlocks_and_is_audited(store):
    accounts.add_user(store, "王五", role="readonly", password="right-password", by="管理员")
    for _ in range(accounts.MAX_FAILED_LOGINS):
        with pytest.raises(AuthenticationError):
            accounts.authenticate(store, "王五", "wrong")
    accounts.set_password(store, "王五", "new-password-1", by="管理员")
    assert accounts.authenticate(store, "王五", "new-password-1").name == "王五"
    rows = store.audit()
    assert ("管理员", "user_passwd") in set(zip(rows["user"], rows["action"]))
    assert store.audit_problems() == []


def test_logout_ends_the_session_and_is_audited_once(store):
    acc = accounts.add_user(store, "赵六", role="county", password="right-password", by="管理员")
    token = accounts.start_session(store, acc)
    accounts.end_session(store, token)
    assert accounts.session_account(store, token) is None
    accounts.end_session(store, token)  # ended already (a second tab): nothing more is written
    accounts.end_session(store, "forged-token")
    rows = store.audit()
    assert list(zip(rows["user"], rows["action"])).count(("赵六", "logout")) == 1
    assert store.audit_problems() == []

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
