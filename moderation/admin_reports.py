"""Admin for reports, trusted reporters, the blocklist, retro-hunts and verification requests."""
