"""The moderation queue, reviewer decisions and their audit log."""
