"""``argent-csv summary|head FILE`` — read-only; FILE may be ``-`` for stdin."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager

from . import __version__
from .summary import format_summary, head, summarise


@contextmanager
def open_input(path: str, max_mb: int):
    if path == "-":
        yield sys.stdin
        return
    size = os.path.getsize(path)
    if size > max_mb * 1024 * 1024:
        raise ValueError(f"{path} is {size / 1e6:.0f} MB, above max_file_mb={max_mb}")
    # utf-8-sig drops the byte-order mark that spreadsheet exports often add
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        yield fh


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="argent-csv", description="Summarise CSV files.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("summary", help="column types and statistics")
    s.add_argument("path")
    s.add_argument("--columns", help="comma-separated subset of columns")
    h = sub.add_parser("head", help="header and first rows")
    h.add_argument("path")
    h.add_argument("-n", type=int, default=10)
    for sp in (s, h):
        sp.add_argument("--delimiter", help="single character; auto-detected by default")
        sp.add_argument("--json", action="store_true")
    return p


def run(argv: list[str] | None = None) -> str:
    args = build_parser().parse_args(argv)
    max_mb = int(os.environ.get("ARGENT_CSV_MAX_FILE_MB", "200"))
    max_rows = int(os.environ.get("ARGENT_CSV_MAX_ROWS", "1000000"))
    if args.delimiter is not None and len(args.delimiter) != 1:
        raise ValueError("--delimiter must be a single character")
    with open_input(args.path, max_mb) as fh:
        if args.command == "summary":
            cols = [c.strip() for c in args.columns.split(",")] if args.columns else None
            result = summarise(fh, delimiter=args.delimiter, columns=cols, max_rows=max_rows)
            if args.json:
                return json.dumps({"path": args.path, **result.as_dict()}, ensure_ascii=False)
            return format_summary(result, title=args.path)
        rows = head(fh, max(1, args.n), delimiter=args.delimiter)
        if args.json:
            return json.dumps({"path": args.path, "header": rows[:1], "rows": rows[1:]},
                              ensure_ascii=False)
        return "\n".join(" | ".join(r) for r in rows)


def main(argv: list[str] | None = None) -> int:
    try:
        print(run(argv))
    except (OSError, ValueError) as exc:
        print(f"argent-csv: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
