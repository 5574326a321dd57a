"""Browsing, search and the public read API: publishers, packages, releases."""
