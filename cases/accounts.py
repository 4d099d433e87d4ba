"""Accounts, passwords and sessions: who is logged in, kept in the store, checked in the domain.

Passwords are hashed with Argon2id (argon2-cffi); neither a password nor its hash ever leaves this
module.  Five wrong passwords in a row lock an account for ``LOCK_MINUTES``.  A session is a random
token whose SHA-256 is stored with its expiry; the token itself stays with the browser (its session and a
cookie).
Every login, failed login and account change is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cases import audit
from cases.assignment import shown_name
from cases.model import township_name
from cases.store import CaseStore
from geo.errors import AuthenticationError, ValidationError

#: Roles: key → Chinese name.
ROLES: dict[str, str] = {"county": "领导组（县级）", "township": "乡镇", "department": "部门", "readonly": "只读"}
#: Wrong passwords in a row that lock an account, and for how long.
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
#: How long a login lasts.
SESSION_HOURS = 8
MIN_PASSWORD_LENGTH = 8
_NAME = re.compile(r"^[\w\u4e00-\u9fff.\-]{2,32}$")
_HASHER = PasswordHasher()


@dataclass(frozen=True)
class Account:
    """A logged-in person: name, role, and the township or department the role is bound to."""

    name: str
    role: str
    township: str | None = None
    department: str | None = None

    @property
    def label(self) -> str:
        """``张三（乡镇：峨口镇）`` for headers and messages."""
        where = self.township or self.department
        return f"{self.name}（{ROLES.get(self.role, self.role)}{'：' + where if where else ''}）"


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符")


def has_accounts(store: CaseStore) -> bool:
    """True once any account exists (the app then asks everyone to log in)."""
    return bool(store.query("SELECT 1 FROM users LIMIT 1"))


def add_user(store: CaseStore, name: str, *, role: str, password: str, township: str | None = None,
             department: str | None = None, by: str) -> Account:
    """Create an account; ValidationError (Chinese) for a bad name, role, township, department or password."""
    name = (name or "").strip()
    if not _NAME.match(name):
        raise ValidationError(f"用户名「{name}」无效：应为 2–32 个汉字、字母、数字或 . - _，不含空格")
    if role not in ROLES:
        raise ValidationError(f"角色「{role}」无效，应为：{'、'.join(f'{k}（{v}）' for k, v in ROLES.items())}")
    if role == "township":
        if not township:
            raise ValidationError("乡镇账号需要 --township 指定所属乡镇")
        township = _current_township(store, township_name(township))
    elif township:
        raise ValidationError(f"只有乡镇账号（township）属于一个乡镇；{ROLES[role]}账号不能指定 --township")
    if role == "department" and not (department or "").strip():
        raise ValidationError("部门账号需要 --department 指定部门名称")
    _check_password(password)
    if store.query("SELECT 1 FROM users WHERE name = ?", (name,)):
        raise ValidationError(f"用户名「{name}」已存在")
    account = Account(name, role, township, (department or "").strip() or None)
    now = _now().isoformat()
    with store.transaction() as con:
        con.execute("INSERT INTO users (name, role, township, department, password_hash, created_at, created_by)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (name, role, account.township, account.department, _HASHER.hash(password), now, by))
        audit.append(con, [(now, by, None, "user_add", "user", None, account.label)])
    return account


def _current_township(store: CaseStore, name: str) -> str:
    """``name`` if it is a township of the store's current division (any name without a township layer);
    ValidationError naming the township it became, or the current ones, otherwise."""
    current = [str(n) for n in store.townships()["name"]]
    if not current or name in current:
        return name
    became, _ = shown_name(store, name)
    hint = (f"已并入或更名为{became}（现行区划），请用 --township {became}" if became in current
            else f"应为现行区划的乡镇：{'、'.join(current)}")
    raise ValidationError(f"乡镇账号属于现行区划的一个乡镇；「{name}」{hint}")


def create_first_administrator(store: CaseStore, name: str, password: str) -> Account:
    """The first account, a county administrator; refused once any account exists."""
    if has_accounts(store):
        raise AuthenticationError("已有账号，不能再创建首个管理员；请向管理员申请账号")
    return add_user(store, name, role="county", password=password, by=name)


def get_account(store: CaseStore, name: str) -> Account | None:
    """The enabled account named ``name``, or None."""
    rows = store.query("SELECT name, role, township, department FROM users WHERE name = ? AND disabled = 0", (name,))
    return Account(*rows[0]) if rows else None


def list_users(store: CaseStore) -> pd.DataFrame:
    """Every account (never a password hash): 用户名, 角色, 乡镇, 部门, 状态, 创建时间, 创建人."""
    rows = store.query("SELECT name, role, township, department, disabled, locked_until, created_at, created_by"
                       " FROM users ORDER BY name")
    now = _now().isoformat()
    return pd.DataFrame(
        [(n, ROLES.get(r, r), t or "", d or "", "已停用" if dis else ("已锁定" if lock and lock > now else "正常"),
          c or "", b or "") for n, r, t, d, dis, lock, c, b in rows],
        columns=["用户名", "角色", "乡镇", "部门", "状态", "创建时间", "创建人"])


def _update_user(store: CaseStore, name: str, sql: str, params: tuple, *, by: str, action: str, note: str) -> None:
    if not store.query("SELECT 1 FROM users WHERE name = ?", (name,)):
        raise ValidationError(f"没有名为「{name}」的账号")
    with store.transaction() as con:
        con.execute(sql, (*params, name))
        audit.append(con, [(_now().isoformat(), by, None, action, "user", None, f"{name}：{note}")])


def set_password(store: CaseStore, name: str, password: str, *, by: str) -> None:
    """Replace an account's password (and unlock it); ends its sessions."""
    _check_password(password)
    _update_user(store, name, "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE name = ?",
                 (_HASHER.hash(password),), by=by, action="user_passwd", note="修改密码")
    with store.transaction() as con:
        con.execute("DELETE FROM sessions WHERE user = ?", (name,))


def disable_user(store: CaseStore, name: str, *, by: str) -> None:
    """Disable an account (it is kept for the audit log) and end its sessions."""
    _update_user(store, name, "UPDATE users SET disabled = 1 WHERE name = ?", (), by=by, action="user_disable",
                 note="停用")
    with store.transaction() as con:
        con.execute("DELETE FROM sessions WHERE user = ?", (name,))


def authenticate(store: CaseStore, name: str, password: str, *, now: dt.datetime | None = None) -> Account:
    """The account if ``password`` is right; AuthenticationError (Chinese) otherwise.  Audited either way.

    The message does not say whether the user name exists.  After ``MAX_FAILED_LOGINS`` wrong
    passwords in a row the account is locked for ``LOCK_MINUTES`` even for the right password.
    """
    now = now or _now()
    name = (name or "").strip()
    rows = store.query("SELECT password_hash, disabled, failed_logins, locked_until FROM users WHERE name = ?", (name,))
    failure = "用户名或密码错误"
    if rows:
        hashed, disabled, failed, locked = rows[0]
        if disabled:
            failure = "该账号已停用，请联系管理员"
        elif locked and locked > now.isoformat():
            failure = f"该账号因连续 {MAX_FAILED_LOGINS} 次密码错误已锁定，请于 {locked[11:16]} 后再试或请管理员重置密码"
        elif _verifies(hashed, password):
            with store.transaction() as con:
                con.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE name = ?", (name,))
                audit.append(con, [(now.isoformat(), name, None, "login", None, None, None)])
            return get_account(store, name)
        else:
            failed += 1
            lock = (now + dt.timedelta(minutes=LOCK_MINUTES)).isoformat() if failed >= MAX_FAILED_LOGINS else None
            with store.transaction() as con:
                con.execute("UPDATE users SET failed_logins = ?, locked_until = ? WHERE name = ?",
                            (0 if lock else failed, lock, name))
            if lock:
                failure = f"连续 {MAX_FAILED_LOGINS} 次密码错误，账号已锁定 {LOCK_MINUTES} 分钟"
    store.log_event(user=name or "（空）", action="login_failed", detail=failure)
    raise AuthenticationError(failure)


def _verifies(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password or "")
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(store: CaseStore, account: Account, *, hours: float = SESSION_HOURS) -> str:
    """A new session token for ``account``, valid for ``hours``."""
    token = secrets.token_urlsafe(32)
    now = _now()
    with store.transaction() as con:
        con.execute("DELETE FROM sessions WHERE expires_at < ?", (now.isoformat(),))
        con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)",
                    (_token_hash(token), account.name, now.isoformat(),
                     (now + dt.timedelta(hours=hours)).isoformat()))
    return token


def session_account(store: CaseStore, token: str | None, *, now: dt.datetime | None = None) -> Account | None:
    """The account of a live session, or None (no token, expired, ended, or the account disabled)."""
    if not token:
        return None
    rows = store.query("SELECT user, expires_at FROM sessions WHERE token_hash = ?", (_token_hash(token),))
    if not rows or rows[0][1] <= (now or _now()).isoformat():
        return None
    return get_account(store, rows[0][0])


def session_seconds_left(store: CaseStore, token: str | None, *, now: dt.datetime | None = None) -> int:
    """Whole seconds until a live session ends; 0 for no token or an expired or ended session."""
    if not token:
        return 0
    rows = store.query("SELECT expires_at FROM sessions WHERE token_hash = ?", (_token_hash(token),))
    if not rows:
        return 0
    return max(0, int((dt.datetime.fromisoformat(rows[0][0]) - (now or _now())).total_seconds()))


def end_session(store: CaseStore, token: str | None) -> None:
    """Log out: forget the session; the audit log records who logged out (an unknown or ended token: nothing)."""
    if token:
        with store.transaction() as con:
            rows = con.execute("SELECT user FROM sessions WHERE token_hash = ?", (_token_hash(token),)).fetchall()
            con.execute("DELETE FROM sessions WHERE token_hash = ?", (_token_hash(token),))
            if rows:
                audit.append(con, [(_now().isoformat(), rows[0][0], None, "logout", None, None, None)])
