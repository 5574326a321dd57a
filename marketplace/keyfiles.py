"""The server's own Ed25519 keys, each in a file named by a setting.

The marketplace's key (``SIGNING_KEY_PATH``: the blocklist) and the transparency log's key
(``LOG_SIGNING_KEY_PATH``: its checkpoints) follow one rule, stated in the README
("Configuration") and docs/operators.md ("Key files and secrets"): the file holds the base64 of a
32-byte Ed25519 seed (``argent_pkg.save_signing_key``); in development (``DEBUG`` on) a missing file
is generated on first use with mode 0600; in production a missing file is a configuration error.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import nacl.signing
from argent_pkg import generate_signing_key, load_signing_key, save_signing_key
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=8)
def _load(path: str) -> nacl.signing.SigningKey:
    return load_signing_key(path)


def signing_key_from_setting(setting: str, *, what: str) -> nacl.signing.SigningKey:
    """The Ed25519 key in the file that setting ``setting`` names (read once per path and process).

    Args:
        setting: the name of the setting holding the file's path, e.g. ``"SIGNING_KEY_PATH"``.
        what: the key's role in words, for the log line when one is generated.

    Raises:
        ImproperlyConfigured: the file is missing and ``DEBUG`` is off.
        OSError, argent_pkg.FormatError: the file cannot be read or holds no key.
    """
    path = Path(getattr(settings, setting))
    if not path.exists():
        if not settings.DEBUG:
            raise ImproperlyConfigured(f"{setting} {path} does not exist.")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            save_signing_key(path, generate_signing_key())
            logger.warning("Generated a development %s at %s.", what, path)
        except FileExistsError:  # Another process generated it first.
            pass
    return _load(str(path))
