import io
import json

import pytest

from argent_csv import cli
from argent_csv.summary import format_summary, head, parse_number, summarise

DATA = """name;age;city;score
Ana;34;Lisbon;88.5
Ben;;Porto;92
Cleo;29;Lisbon;n/a
Dan;41;Faro;75.25
"""


def by_name(summary):
    return {c.name: c for c in summary.columns}


def test_delimiter_is_sniffed_and_types_inferred():
    s = summarise(io.StringIO(DATA))
    assert s.delimiter == ";"
    assert s.rows == 4
    cols = by_name(s)
    assert cols["age"].type == "number" and cols["city"].type == "text"
    assert cols["name"].unique == 4


def test_numeric_statistics_skip_missing_values():
    age = by_name(summarise(io.StringIO(DATA)))["age"]
    assert age.count == 3 and age.missing == 1
    assert (age.min, age.max, age.median) == (29, 41, 34)
    assert age.mean == pytest.approx(34.666667)
    assert age.stdev == pytest.approx(6.027714, rel=1e-5)


def test_text_columns_report_most_common_values():
    city = by_name(summarise(io.StringIO(DATA)))["city"]
    assert city.top[0] == ("Lisbon", 2)


def test_column_subset_and_unknown_column():
    s = summarise(io.StringIO(DATA), columns=["score"])
    assert [c.name for c in s.columns] == ["score"]
    with pytest.raises(ValueError, match="unknown column"):
        summarise(io.StringIO(DATA), columns=["nope"])


def test_max_rows_truncates():
    s = summarise(io.StringIO(DATA), max_rows=2)
    assert s.rows == 2 and s.truncated


def test_ragged_rows_are_counted():
    s = summarise(io.StringIO("a,b\n1,2\n3\n4,5,6\n"), delimiter=",")
    assert s.ragged_rows == 2
    assert by_name(s)["b"].missing == 1


def test_empty_input():
    s = summarise(io.StringIO(""), delimiter=",")
    assert s.rows == 0 and s.columns == []


@pytest.mark.parametrize("text,value", [("1,234.5", 1234.5), ("12%", 12.0), ("$3", 3.0),
                                        ("-1e3", -1000.0), ("abc", None), ("inf", None)])
def test_parse_number(text, value):
    assert parse_number(text) == value


def test_format_summary_mentions_each_column():
    text = format_summary(summarise(io.StringIO(DATA)))
    assert text.startswith("4 rows, 4 columns")
    assert "- age [number] 3 values, 1 missing" in text
    assert "'Lisbon' ×2" in text


def test_head_returns_header_and_n_rows():
    rows = head(io.StringIO(DATA), 2)
    assert rows[0] == ["name", "age", "city", "score"]
    assert len(rows) == 3


def test_cli_reads_stdin(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(DATA))
    out = json.loads(cli.run(["summary", "-", "--json"]))
    assert out["rows"] == 4
    assert [c["type"] for c in out["columns"]] == ["text", "number", "text", "number"]
