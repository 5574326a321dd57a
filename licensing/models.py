"""Licensing models arrive with the payments work."""
