"""Secrets kept out of every log line: license keys, API tokens, download tokens, credentials.

Clients put secrets where servers log them: the ArgentOS client sends
``?key=`` in download URLs, a request line names ``/api/v1/license/{key}``,
``/api/v1/license/check/{key}`` and ``/api/v1/artifacts/{token}``, an error may
quote an ``Authorization`` or ``X-License-Key`` header or a JSON body with ``licenseKey``. :func:`mask_secrets`
replaces each of them, wherever it appears in a line, and is applied to:

* every record that reaches the handlers of ``settings.LOGGING`` (Django's
  ``django.request``, ``runserver``'s ``django.server`` request lines, our own
  loggers), through :class:`SecretMaskingFilter`;
* gunicorn's access and error logs, through ``marketplace.gunicorn.MaskingLogger``.

What is kept: the name of the parameter or header, and for a license key the
``ARG-…-XXXX`` form its owner sees (docs/error-codes.md, ``license.*``); for an
API token its ``mkt_`` prefix. Self-contained (no app is imported), so any
layer may use it.
"""

from __future__ import annotations

import logging
import re

#: The mask that stands for a secret value.
MASK = "***"

#: ``name=value`` in a query string, a form body or free text, for the names that carry secrets.
_PARAM = re.compile(
    r"(?i)(?<![\w-])((?:license_?key|key|token|access_token|api_?key|password|secret)=)[^&\s\"'#;,]+"
)
#: ``"name": "value"`` in JSON (a quoted body in a message).
_JSON = re.compile(
    r"(?i)(\"(?:license_?key|key|token|password|secret|authorization|x-license-key)\"\s*:\s*\")"
    r"(?:[^\"\\]|\\.)*\""
)
#: ``Authorization: Bearer …``, ``X-License-Key: …``, ``Cookie: …`` (or ``=``) in free text.
_HEADER = re.compile(
    r"(?i)\b((?:authorization|x-license-key|http_authorization|http_x_license_key|cookie)['\"]?\s*[:=]\s*['\"]?)"
    r"(?:bearer\s+|basic\s+)?[^\s'\",;]+"
)
#: Path segments that are credentials themselves.
_PATH = re.compile(r"(/api/v1/(?:license/(?:check/)?|artifacts/))([^\s?#\"'/]+)")
#: An API token (``mkt_`` + 43 URL-safe characters; ``tokens.services``).
_API_TOKEN = re.compile(r"\bmkt_[A-Za-z0-9_\-]{8,}")
#: Anything that looks like a license key (``licensing.keys``): ``ARG`` and 28 symbols, in groups or not.
_LICENSE_KEY = re.compile(r"(?i)\bARG[-\s]?(?:[0-9A-Z]{4}[-\s]?){6}[0-9A-Z]{4}\b")


def _key_mask(match: re.Match) -> str:
    symbols = re.sub(r"[-\s]", "", match.group(0))
    return f"ARG-…-{symbols[-4:].upper()}"


def mask_secrets(text: str) -> str:
    """``text`` with every secret value replaced (see the module docstring for which).

    Args:
        text: a log line, a request line, a URL, a header value: any text.

    Returns:
        The same text where license keys read ``ARG-…-XXXX``, API tokens
        ``mkt_…`` and other secret values ``***``; text without secrets is returned unchanged.
    """
    if not text:
        return text
    text = _LICENSE_KEY.sub(_key_mask, text)
    text = _API_TOKEN.sub("mkt_…", text)
    text = _PARAM.sub(lambda m: m.group(1) + MASK, text)
    text = _JSON.sub(lambda m: m.group(1) + MASK + '"', text)
    text = _HEADER.sub(lambda m: m.group(1) + MASK, text)
    return _PATH.sub(lambda m: m.group(1) + (m.group(2) if m.group(2).startswith("ARG-…") else MASK), text)


#: Request headers whose whole value is a secret (as gunicorn names its ``{header}i`` atoms).
SECRET_HEADERS = frozenset({"authorization", "x-license-key", "cookie", "proxy-authorization"})


class SecretMaskingFilter(logging.Filter):
    """A ``logging`` filter for handlers: the record's message with :func:`mask_secrets` applied.

    Attached to every handler of ``settings.LOGGING``. The message is
    formatted once (``msg % args``) and stored back without arguments, so a
    secret passed as an argument is masked too; a record whose message cannot
    be formatted is let through unchanged (the handler reports it as usual).
    Tracebacks (``exc_text``) are masked as well.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is the handler's to report
            return True
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        return True
