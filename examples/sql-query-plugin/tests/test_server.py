import io
import json

from conftest import make_shop

from sql_query_plugin.server import Server


def server(**kw):
    return Server({"shop": "ignored.db"}, connect=lambda path: make_shop(), **kw)


def rpc(srv, *messages):
    out = io.StringIO()
    srv.serve(io.StringIO("\n".join(json.dumps(m) for m in messages) + "\n"), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_handshake_and_tool_list():
    init, tools = rpc(server(),
                      {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"protocolVersion": "2025-06-18", "capabilities": {}}},
                      {"jsonrpc": "2.0", "method": "notifications/initialized"},
                      {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    assert init["result"]["serverInfo"]["name"] == "sql-query-plugin"
    assert [t["name"] for t in tools["result"]["tools"]] == ["sql_query"]


def test_tools_call_returns_text_and_structured_content():
    (reply,) = rpc(server(), {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
        "name": "sql_query",
        "arguments": {"query": "SELECT name FROM customers WHERE id = ?", "params": [2]}}})
    result = reply["result"]
    assert result["isError"] is False
    assert result["structuredContent"]["rows"] == [["Grace"]]
    assert "Grace" in result["content"][0]["text"]


def test_tool_errors_are_results_not_protocol_errors():
    (reply,) = rpc(server(), {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
        "name": "sql_query", "arguments": {"query": "DELETE FROM customers"}}})
    assert reply["result"]["isError"] is True
    assert "read-only" in reply["result"]["content"][0]["text"]


def test_row_limit_cannot_exceed_configured_maximum():
    srv = server(max_rows=1)
    out = srv.call_sql_query({"query": "SELECT id FROM customers", "max_rows": 1000})
    assert out["structuredContent"]["row_count"] == 1 and out["structuredContent"]["truncated"]


def test_unknown_database_and_tool_and_method():
    srv = server()
    assert srv.call_sql_query({"database": "hr", "query": "SELECT 1"})["isError"]
    unknown_tool, unknown_method, garbage = rpc(
        srv,
        {"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "rm_rf"}},
        {"jsonrpc": "2.0", "id": 5, "method": "resources/list"},
        "not an object")
    assert unknown_tool["error"]["code"] == -32602
    assert unknown_method["error"]["code"] == -32601
    assert garbage["error"]["code"] == -32700
