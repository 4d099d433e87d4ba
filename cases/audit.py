"""The audit log as a hash chain: every row carries the SHA-256 of its own content and of the row before it.

Rows are only ever appended (:func:`append`); the store's schema adds triggers that refuse UPDATE and
DELETE on the table, and :func:`verify` walks the chain so that a row edited, removed or inserted
outside casemap (e.g. with a SQLite tool) shows as the first broken link.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence

#: Columns of one audit row, in hashing order.
COLUMNS = ("at", "user", "case_id", "action", "field", "old", "new")
#: The hash the first row chains to.
GENESIS = "0" * 64

AuditRow = Sequence[str | None]


def row_hash(prev: str, row: AuditRow) -> str:
    """SHA-256 (hex) of ``prev`` and the row's values, serialised unambiguously as JSON."""
    payload = json.dumps([prev, *[None if v is None else str(v) for v in row]], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def last_hash(con: sqlite3.Connection) -> str:
    """The hash of the newest row, or GENESIS for an empty log."""
    found = con.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return found[0] if found and found[0] else GENESIS


def append(con: sqlite3.Connection, rows: Iterable[AuditRow]) -> None:
    """Append ``rows`` (tuples in ``COLUMNS`` order) to the log, each chained to the one before.

    Call inside the writing transaction, so the rows and the change they record land together.
    """
    prev = last_hash(con)
    out = []
    for row in rows:
        if len(row) != len(COLUMNS):
            raise ValueError(f"an audit row has {len(COLUMNS)} values ({', '.join(COLUMNS)}), got {len(row)}")
        prev = row_hash(prev, row)
        out.append((*row, prev))
    con.executemany(f"INSERT INTO audit ({', '.join(COLUMNS)}, hash) VALUES ({', '.join('?' * (len(COLUMNS) + 1))})",
                    out)


def rehash_all(con: sqlite3.Connection) -> None:
    """Chain every existing row in id order (the migration that adds the chain to an older store)."""
    prev = GENESIS
    rows = con.execute(f"SELECT id, {', '.join(COLUMNS)} FROM audit ORDER BY id").fetchall()
    for rid, *values in rows:
        prev = row_hash(prev, values)
        con.execute("UPDATE audit SET hash = ? WHERE id = ?", (prev, rid))


def verify(con: sqlite3.Connection) -> list[str]:
    """Chinese descriptions of every broken link (empty when the log is intact).

    A row changed after it was written, a row deleted, or a row inserted with a forged hash breaks
    the chain at that row; every later row is then reported once as following a broken link.
    """
    problems: list[str] = []
    prev = GENESIS
    rows = con.execute(f"SELECT id, {', '.join(COLUMNS)}, hash FROM audit ORDER BY id").fetchall()
    for rid, *values, stored in rows:
        expected = row_hash(prev, values)
        if stored != expected:
            problems.append(f"审计记录第 {rid} 条（{values[0]}，{values[1]}，{values[3]}）与记录链不符：该条或其前一条被改动或删除")
            if len(problems) >= 20:
                problems.append("……（后续记录不再逐条列出）")
                break
        prev = stored or expected
    return problems
