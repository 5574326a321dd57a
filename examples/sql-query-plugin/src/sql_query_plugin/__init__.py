"""Read-only SQLite queries as an MCP tool for ArgentOS."""

__version__ = "2.0.0"
