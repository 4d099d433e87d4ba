"""``python -m cases user add|list|passwd|disable``: accounts of the store."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from cases import accounts
from cases.cli.session import store_for
from geo.errors import ValidationError


def _new_password(args: argparse.Namespace, name: str) -> str:
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise ValidationError("--password-stdin：标准输入中没有密码")
        return line
    if not (sys.stdin and sys.stdin.isatty()):
        raise ValidationError("请在终端中运行以输入新密码，或用 --password-stdin 从标准输入读取")
    first = getpass.getpass(f"账号 {name} 的新密码：")
    if getpass.getpass("再次输入：") != first:
        raise ValidationError("两次输入的密码不一致")
    return first


def cmd_user_add(args: argparse.Namespace) -> int:
    """Create an account (the first one needs no --user; later ones a county account)."""
    store, actor = store_for(args, fallback_user="命令行")
    acc = accounts.add_user(store, args.name, role=args.role, password=_new_password(args, args.name),
                            township=args.township, department=args.department, by=actor)
    print(f"已新增账号 {acc.label}")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    """List the accounts (never a password)."""
    store, _ = store_for(args)
    print(accounts.list_users(store).to_string(index=False))
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    """Set a new password for an account (and unlock it)."""
    store, actor = store_for(args)
    accounts.set_password(store, args.name, _new_password(args, args.name), by=actor)
    print(f"已修改账号 {args.name} 的密码")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    """Disable an account (kept for the audit log)."""
    store, actor = store_for(args)
    accounts.disable_user(store, args.name, by=actor)
    print(f"已停用账号 {args.name}")
    return 0


def register(sub: argparse._SubParsersAction, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``user`` with its sub-commands to the CLI."""
    u = sub.add_parser("user", help="账号管理：add、list、passwd、disable")
    usub = u.add_subparsers(dest="user_command", required=True)
    a = usub.add_parser("add", help="新增账号")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--role", required=True, choices=tuple(accounts.ROLES),
                   help="county（领导组/县级）、township（乡镇）、department（部门）、readonly（只读）")
    a.add_argument("--township", help="乡镇账号所属乡镇")
    a.add_argument("--department", help="部门账号所属部门")
    a.add_argument("--password-stdin", action="store_true", help="从标准输入读取新密码（一行）")
    a.set_defaults(func=cmd_user_add)
    ls = usub.add_parser("list", help="列出账号")
    ls.set_defaults(func=cmd_user_list)
    p = usub.add_parser("passwd", help="修改密码（并解除锁定）")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取新密码（一行）")
    p.set_defaults(func=cmd_user_passwd)
    d = usub.add_parser("disable", help="停用账号")
    d.add_argument("name", metavar="NAME")
    d.set_defaults(func=cmd_user_disable)
    for sp in (a, ls, p, d):
        add_db(sp)  # also --user: the account running the command
