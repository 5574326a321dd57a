import sqlite3

import pytest

from sql_query_plugin.query import harden


def make_shop() -> sqlite3.Connection:
    """An in-memory database: tests never create files."""
    conn = sqlite3.connect(":memory:")
    conn.executescript("""
        CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id),
                             total_cents INTEGER, placed_at TEXT, receipt BLOB);
        INSERT INTO customers VALUES (1, 'Ada', 'UK'), (2, 'Grace', 'US'), (3, 'Linus', 'FI');
        INSERT INTO orders VALUES (1, 1, 1999, '2026-03-01', x'00ff'),
                                  (2, 1, 500, '2026-03-02', NULL),
                                  (3, 2, 12000, '2026-03-02', NULL);
    """)
    return harden(conn)


@pytest.fixture
def shop():
    conn = make_shop()
    yield conn
    conn.close()
