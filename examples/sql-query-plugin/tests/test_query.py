from pathlib import Path

import pytest

from sql_query_plugin.query import QueryError, format_table, open_readonly, run_query


def test_select_with_params(shop):
    r = run_query(shop, "SELECT name FROM customers WHERE country = ? ORDER BY id", ["UK"])
    assert r.columns == ["name"] and r.rows == [["Ada"]] and not r.truncated


def test_join_and_aggregate(shop):
    r = run_query(shop, """
        SELECT c.name, COUNT(o.id) AS n, COALESCE(SUM(o.total_cents), 0) AS spent
        FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
        GROUP BY c.id ORDER BY spent DESC""")
    assert r.rows == [["Grace", 1, 12000], ["Ada", 2, 2499], ["Linus", 0, 0]]


def test_recursive_cte_allowed(shop):
    r = run_query(shop, "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM n WHERE x<5) "
                        "SELECT SUM(x) FROM n")
    assert r.rows == [[15]]


def test_schema_discovery(shop):
    r = run_query(shop, "SELECT name FROM sqlite_schema WHERE type='table' ORDER BY name")
    assert [row[0] for row in r.rows] == ["customers", "orders"]
    info = run_query(shop, "PRAGMA table_info(customers)")
    assert [row[1] for row in info.rows] == ["id", "name", "country"]


def test_max_rows_truncates(shop):
    r = run_query(shop, "SELECT id FROM orders ORDER BY id", max_rows=2)
    assert r.rows == [[1], [2]] and r.truncated


def test_blobs_are_rendered_safely(shop):
    r = run_query(shop, "SELECT receipt FROM orders WHERE id = 1")
    assert r.rows == [["x'00ff' (2 bytes)"]]


@pytest.mark.parametrize("sql", [
    "INSERT INTO customers VALUES (9, 'Eve', 'XX')",
    "UPDATE customers SET name = 'Eve'",
    "DELETE FROM orders",
    "DROP TABLE orders",
    "CREATE TABLE t (x)",
    "ATTACH DATABASE 'other.db' AS other",
    "PRAGMA query_only = OFF",
    "PRAGMA journal_mode = WAL",
    "BEGIN",
    "VACUUM",
])
def test_writes_and_escapes_are_refused(shop, sql):
    with pytest.raises(QueryError, match="read-only|SQL error"):
        run_query(shop, sql)
    assert run_query(shop, "SELECT COUNT(*) FROM customers").rows == [[3]]


def test_only_one_statement(shop):
    with pytest.raises(QueryError):
        run_query(shop, "SELECT 1; SELECT 2")


def test_timeout(shop):
    with pytest.raises(QueryError, match="timeout"):
        run_query(shop, "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM n) "
                        "SELECT COUNT(*) FROM n", timeout_ms=100)


def test_syntax_error_is_reported(shop):
    with pytest.raises(QueryError, match="SQL error"):
        run_query(shop, "SELEC 1")


def test_missing_file_is_an_error():
    with pytest.raises(QueryError, match="not found"):
        open_readonly(Path(__file__).with_name("no-such-database.db"))


def test_format_table(shop):
    text = format_table(run_query(shop, "SELECT id, name, country FROM customers WHERE id < 3"))
    lines = text.splitlines()
    assert lines[0].split(" | ")[1].strip() == "name"
    assert set(lines[1]) <= {"-", "+"}
    assert lines[-1] == "(2 rows)"
