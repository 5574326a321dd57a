"""Column statistics for CSV data, using only csv and statistics.

Everything works on an open text stream, so the same code serves files, stdin
and tests.  Nothing is ever written.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TextIO

MISSING = {"", "na", "n/a", "nan", "null", "none", "-"}


@dataclass
class ColumnSummary:
    name: str
    type: str = "empty"           # "number", "text" or "empty"
    count: int = 0                # non-missing values
    missing: int = 0
    unique: int = 0
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    median: float | None = None
    stdev: float | None = None
    top: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Summary:
    rows: int
    columns: list[ColumnSummary]
    delimiter: str
    truncated: bool = False
    ragged_rows: int = 0          # rows whose field count differs from the header

    def as_dict(self) -> dict:
        return asdict(self)


def parse_number(text: str) -> float | None:
    """Accept 1234, -1.5, 1e3, 1,234.50 and 12%; reject everything else."""
    s = text.strip().replace(",", "").replace("_", "")
    if s.endswith("%"):
        s = s[:-1]
    if s.startswith("$") or s.startswith("€") or s.startswith("£"):
        s = s[1:]
    try:
        value = float(s)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def summarise(stream: TextIO, *, delimiter: str | None = None, columns: list[str] | None = None,
              max_rows: int | None = None, top_n: int = 3) -> Summary:
    if delimiter is None:
        sample = stream.read(64 * 1024)
        delimiter = sniff_delimiter(sample)
        rest = stream.read()
        text_iter = (sample + rest).splitlines()
    else:
        text_iter = stream
    reader = csv.reader(text_iter, delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        return Summary(rows=0, columns=[], delimiter=delimiter)
    header = [h.strip() or f"column_{i + 1}" for i, h in enumerate(header)]
    if columns:
        unknown = [c for c in columns if c not in header]
        if unknown:
            raise ValueError(f"unknown column(s): {', '.join(unknown)}")
        wanted = [header.index(c) for c in columns]
    else:
        wanted = list(range(len(header)))

    values: dict[int, list[str]] = {i: [] for i in wanted}
    missing: dict[int, int] = {i: 0 for i in wanted}
    rows = ragged = 0
    truncated = False
    for row in reader:
        if not row:
            continue
        if max_rows is not None and rows >= max_rows:
            truncated = True
            break
        rows += 1
        if len(row) != len(header):
            ragged += 1
        for i in wanted:
            cell = row[i].strip() if i < len(row) else ""
            if cell.lower() in MISSING:
                missing[i] += 1
            else:
                values[i].append(cell)

    result = [_column(header[i], values[i], missing[i], top_n) for i in wanted]
    return Summary(rows=rows, columns=result, delimiter=delimiter, truncated=truncated,
                   ragged_rows=ragged)


def _column(name: str, cells: list[str], missing: int, top_n: int) -> ColumnSummary:
    col = ColumnSummary(name=name, count=len(cells), missing=missing, unique=len(set(cells)))
    if not cells:
        return col
    numbers = [parse_number(c) for c in cells]
    if all(n is not None for n in numbers):
        nums = [n for n in numbers if n is not None]
        col.type = "number"
        col.min, col.max = min(nums), max(nums)
        col.mean = round(statistics.fmean(nums), 6)
        col.median = statistics.median(nums)
        col.stdev = round(statistics.stdev(nums), 6) if len(nums) > 1 else 0.0
    else:
        col.type = "text"
        col.top = Counter(cells).most_common(top_n)
    return col


def head(stream: TextIO, n: int = 10, *, delimiter: str | None = None) -> list[list[str]]:
    """Header plus the first n data rows."""
    if delimiter is None:
        sample = stream.read(64 * 1024)
        delimiter = sniff_delimiter(sample)
        lines = (sample + stream.read()).splitlines()
    else:
        lines = stream
    out = []
    for row in csv.reader(lines, delimiter=delimiter):
        out.append(row)
        if len(out) > n:
            break
    return out


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.4g}" if abs(x) < 1e6 else f"{x:,.0f}"


def format_summary(s: Summary, title: str = "") -> str:
    lines = []
    if title:
        lines.append(title)
    note = " (truncated)" if s.truncated else ""
    lines.append(f"{s.rows} rows{note}, {len(s.columns)} columns, delimiter {s.delimiter!r}")
    if s.ragged_rows:
        lines.append(f"warning: {s.ragged_rows} rows have a different number of fields")
    for c in s.columns:
        base = f"- {c.name} [{c.type}] {c.count} values, {c.missing} missing, {c.unique} unique"
        if c.type == "number":
            base += (f"; min {_fmt(c.min)}, max {_fmt(c.max)}, mean {_fmt(c.mean)}, "
                     f"median {_fmt(c.median)}, stdev {_fmt(c.stdev)}")
        elif c.type == "text":
            base += "; top: " + ", ".join(f"{v!r} ×{n}" for v, n in c.top)
        lines.append(base)
    return "\n".join(lines)
