"""Open-Meteo weather tools for ArgentOS agents."""

__version__ = "1.2.0"
