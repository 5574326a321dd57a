"""A minimal MCP server (JSON-RPC 2.0 over stdio, one message per line).

Exposes exactly one tool, ``sql_query`` (permission ``mcp:sql_query``). Only the
database files named in the plugin configuration are opened, read-only
(permission ``fs:read``).

Also usable by hand:  python -m sql_query_plugin --db shop=shop.db --query "SELECT ..."
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Callable

from . import __version__
from .query import QueryError, format_table, open_readonly, run_query

PROTOCOL_VERSION = "2025-06-18"
TOOL = {
    "name": "sql_query",
    "description": ("Run one read-only SQL statement (SELECT / WITH / schema PRAGMA) against a "
                    "configured SQLite database. Discover tables via sqlite_schema."),
    "inputSchema": {
        "type": "object",
        "required": ["query"],
        "properties": {
            "database": {"type": "string"},
            "query": {"type": "string"},
            "params": {"type": "array"},
            "max_rows": {"type": "integer", "minimum": 1},
        },
    },
    "annotations": {"readOnlyHint": True, "destructiveHint": False, "openWorldHint": False},
}


class Server:
    def __init__(self, databases: dict[str, str], *, max_rows: int = 200, timeout_ms: int = 5000,
                 connect: Callable[[str], sqlite3.Connection] = open_readonly):
        self.databases = dict(databases)
        self.max_rows = max_rows
        self.timeout_ms = timeout_ms
        self._connect = connect
        self._conns: dict[str, sqlite3.Connection] = {}

    # -- tool -------------------------------------------------------------
    def _conn(self, name: str | None) -> tuple[str, sqlite3.Connection]:
        if not self.databases:
            raise QueryError("no databases configured")
        if name is None:
            if len(self.databases) != 1:
                raise QueryError("several databases configured; name one of: "
                                 + ", ".join(sorted(self.databases)))
            name = next(iter(self.databases))
        if name not in self.databases:
            raise QueryError(f"unknown database {name!r}; configured: "
                             + ", ".join(sorted(self.databases)))
        if name not in self._conns:
            self._conns[name] = self._connect(self.databases[name])
        return name, self._conns[name]

    def call_sql_query(self, args: dict) -> dict:
        try:
            name, conn = self._conn(args.get("database"))
            limit = min(int(args.get("max_rows") or self.max_rows), self.max_rows)
            result = run_query(conn, args.get("query", ""), args.get("params") or [],
                               max_rows=limit, timeout_ms=self.timeout_ms)
        except (QueryError, ValueError, TypeError) as exc:
            return {"content": [{"type": "text", "text": str(exc)}], "isError": True}
        return {
            "content": [{"type": "text", "text": f"[{name}]\n" + format_table(result)}],
            "structuredContent": {"database": name, **result.as_dict()},
            "isError": False,
        }

    # -- JSON-RPC ---------------------------------------------------------
    def handle(self, message: dict) -> dict | None:
        msg_id = message.get("id")
        method = message.get("method")
        params = message.get("params") or {}
        if msg_id is None:  # notification, e.g. notifications/initialized
            return None
        if method == "initialize":
            result = {
                "protocolVersion": params.get("protocolVersion", PROTOCOL_VERSION),
                "capabilities": {"tools": {"listChanged": False}},
                "serverInfo": {"name": "sql-query-plugin", "version": __version__},
            }
        elif method == "ping":
            result = {}
        elif method == "tools/list":
            result = {"tools": [TOOL]}
        elif method == "tools/call":
            if params.get("name") != "sql_query":
                return _error(msg_id, -32602, f"unknown tool {params.get('name')!r}")
            result = self.call_sql_query(params.get("arguments") or {})
        else:
            return _error(msg_id, -32601, f"method not found: {method}")
        return {"jsonrpc": "2.0", "id": msg_id, "result": result}

    def serve(self, stdin=sys.stdin, stdout=sys.stdout) -> None:
        for line in stdin:
            line = line.strip()
            if not line:
                continue
            try:
                message = json.loads(line)
                if not isinstance(message, dict):
                    raise ValueError
            except ValueError:
                reply = _error(None, -32700, "parse error")
            else:
                reply = self.handle(message)
            if reply is not None:
                stdout.write(json.dumps(reply, default=str) + "\n")
                stdout.flush()


def _error(msg_id, code: int, message: str) -> dict:
    return {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}


def parse_db_args(values: list[str]) -> dict[str, str]:
    dbs = {}
    for v in values:
        name, sep, path = v.partition("=")
        if not sep or not name or not path:
            raise SystemExit(f"--db expects NAME=PATH, got {v!r}")
        dbs[name] = path
    return dbs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="argent-sql-query", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--db", action="append", default=[], metavar="NAME=PATH")
    p.add_argument("--max-rows", type=int, default=200)
    p.add_argument("--timeout-ms", type=int, default=5000)
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--serve", action="store_true", help="run the MCP server on stdio")
    mode.add_argument("--query", help="run one query and print a table")
    p.add_argument("--database", help="with --query: which configured database")
    args = p.parse_args(argv)
    server = Server(parse_db_args(args.db), max_rows=args.max_rows, timeout_ms=args.timeout_ms)
    if args.serve:
        server.serve()
        return 0
    out = server.call_sql_query({"database": args.database, "query": args.query})
    print(out["content"][0]["text"], file=sys.stderr if out["isError"] else sys.stdout)
    return 1 if out["isError"] else 0


if __name__ == "__main__":
    sys.exit(main())
