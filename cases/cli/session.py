"""Who runs a command: once the store has accounts, ``--user NAME`` (and the password) decides what it may do.

A store without accounts behaves as before (one desk, the command line acts for the county office).
Once any account exists, every command that reads or writes cases needs ``--user`` naming an
enabled account; the password comes from $CASEMAP_PASSWORD or is asked on the terminal; the login
is audited, and the command works through the same ``GuardedStore`` as the app, so a township
account reads and exports only its own cases and cannot change another township's.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from cases import accounts
from cases.permissions import GuardedStore
from cases.store import CaseStore, open_store, store_exists
from geo.errors import AuthenticationError, PermissionDeniedError, StoreError

#: Environment variable holding the password of ``--user`` for scripts.
PASSWORD_ENV = "CASEMAP_PASSWORD"


def add_user_option(sp: argparse.ArgumentParser, *, default: str | None = None) -> None:
    """The ``--user NAME`` option every store command has."""
    sp.add_argument("--user", default=default, metavar="NAME",
                    help="操作人账号（案件库已设置账号时必填，按其角色检查权限；密码取自环境变量 "
                         f"{PASSWORD_ENV} 或在终端输入）")


def _password(name: str) -> str:
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(f"账号 {name} 的密码：")
    raise AuthenticationError(f"需要账号 {name} 的密码：请设置环境变量 {PASSWORD_ENV}，或在终端中运行以输入密码")


def store_for(args: argparse.Namespace, *, fallback_user: str = "命令行") -> tuple[CaseStore, str]:
    """The store of ``--db`` as ``--user`` may see it, and the name the audit log records.

    Without accounts: the plain store and ``--user`` (or ``fallback_user``) as the audited name.
    With accounts: AuthenticationError unless ``--user`` names an enabled account and its password
    is right; then the account's ``GuardedStore``.
    """
    store = open_store(args.db)
    name = getattr(args, "user", None)
    if not accounts.has_accounts(store):
        return store, name or fallback_user
    if not name:
        raise AuthenticationError("案件库已设置账号：请用 --user 指定您的账号（按其角色检查权限）")
    account = accounts.authenticate(store, name, _password(name))
    return GuardedStore(store, account), account.name


def require_county(args: argparse.Namespace, location: str | None = None) -> None:
    """For whole-store operations (init-demo, backup, restore, migrate) on the store of ``--db`` (or ``location``):
    once accounts exist, a county account only."""
    try:
        if not store_exists(args.db if location is None else location):
            return
        store = open_store(args.db if location is None else location)
    except StoreError:  # a damaged store holds no readable accounts; restore --force sets it aside
        return
    try:
        if not accounts.has_accounts(store):
            return
        name = getattr(args, "user", None)
        if not name:
            raise AuthenticationError("案件库已设置账号：请用 --user 指定领导组/县级账号")
        account = accounts.authenticate(store, name, _password(name))
        if account.role != "county":
            raise PermissionDeniedError(f"{account.label}无权备份、恢复或重建案件库（仅领导组/县级账号可以）")
    finally:
        store.close_all()
