"""Moderation APIs: the signed blocklist (``blocklist``) and the staff API of the moderation queue (``staff``, URLs in ``staff_urls``)."""
