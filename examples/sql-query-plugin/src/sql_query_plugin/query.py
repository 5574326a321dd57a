"""Read-only query execution with defence in depth.

1. The file is opened with SQLite's ``mode=ro`` URI: the OS handle is read-only.
2. ``PRAGMA query_only`` is switched on.
3. An authorizer allows only reading actions; ATTACH, writes, schema changes,
   transactions and non-allowlisted PRAGMAs are denied while the statement is
   being prepared, before anything runs.
4. A progress handler aborts queries that run longer than the timeout, and at
   most ``max_rows`` rows are fetched.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

# Informational pragmas only: none of them can change state, with or without an argument.
READ_PRAGMAS = frozenset({
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "collation_list", "function_list", "database_list",
})

_ALLOWED_ACTIONS = frozenset({
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    getattr(sqlite3, "SQLITE_RECURSIVE", 33),
})


class QueryError(Exception):
    """A query was refused or failed; the message is safe to show the agent."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    truncated: bool = False
    elapsed_ms: float = 0.0

    def as_dict(self) -> dict:
        return {"columns": self.columns, "rows": self.rows, "row_count": len(self.rows),
                "truncated": self.truncated, "elapsed_ms": round(self.elapsed_ms, 1)}


def _authorizer(action, arg1, arg2, db_name, trigger):
    if action in _ALLOWED_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and arg1 and arg1.lower() in READ_PRAGMAS:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def harden(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Make an existing connection refuse anything but reads."""
    conn.execute("PRAGMA query_only = ON")
    conn.set_authorizer(_authorizer)
    return conn


def open_readonly(path: str | Path) -> sqlite3.Connection:
    p = Path(path).expanduser()
    if not p.is_file():
        raise QueryError(f"database file not found: {p}")
    uri = p.resolve().as_uri() + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=2.0, check_same_thread=False)
    except sqlite3.Error as exc:
        raise QueryError(f"cannot open {p} read-only: {exc}") from exc
    return harden(conn)


def _cell(value):
    if isinstance(value, bytes):
        head = value[:32].hex()
        return f"x'{head}{'…' if len(value) > 32 else ''}' ({len(value)} bytes)"
    return value


def run_query(conn: sqlite3.Connection, query: str, params: list | tuple = (), *,
              max_rows: int = 200, timeout_ms: int = 5000) -> QueryResult:
    query = (query or "").strip()
    if not query:
        raise QueryError("query is empty")
    if not isinstance(params, list | tuple):
        raise QueryError("params must be a list")
    deadline = time.monotonic() + timeout_ms / 1000
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 1000)
    started = time.monotonic()
    try:
        cur = conn.execute(query, list(params))
        if cur.description is None:
            raise QueryError("only statements that return rows are allowed")
        columns = [d[0] for d in cur.description]
        fetched = cur.fetchmany(max_rows + 1)
    except sqlite3.DatabaseError as exc:
        msg = str(exc)
        if "not authorized" in msg or "prohibited" in msg or "readonly" in msg:
            raise QueryError(f"refused: this tool is read-only ({msg})") from exc
        if "interrupted" in msg:
            raise QueryError(f"query exceeded the {timeout_ms} ms timeout") from exc
        raise QueryError(f"SQL error: {msg}") from exc
    except sqlite3.ProgrammingError as exc:  # e.g. more than one statement
        raise QueryError(f"SQL error: {exc}") from exc
    finally:
        conn.set_progress_handler(None, 0)
    truncated = len(fetched) > max_rows
    rows = [[_cell(v) for v in row] for row in fetched[:max_rows]]
    return QueryResult(columns=columns, rows=rows, truncated=truncated,
                       elapsed_ms=(time.monotonic() - started) * 1000)


def format_table(result: QueryResult, max_width: int = 40) -> str:
    def s(v):
        text = "NULL" if v is None else str(v)
        text = text.replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[s(c) for c in result.columns]] + [[s(v) for v in row] for row in result.rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(result.columns))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    footer = f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''}"
    footer += ", truncated)" if result.truncated else ")"
    return "\n".join(lines + [footer])
