"""GitHub issues tools for ArgentOS agents."""

__version__ = "0.4.1"
