"""Moderation pages outside the admin: reporting a listing, requesting verification, the metrics page."""
