"""Read-only CSV summaries for ArgentOS agents."""

__version__ = "1.0.3"
