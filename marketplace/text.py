"""Rules for text a person types: one place for what a name, a path or a mail subject may hold.

Shared plumbing (the bottom layer, ``docs/architecture.md``): forms, serializers,
the request middleware and the e-mail tasks of every app use these, so each
rule is written once.

* **NUL** (U+0000) never reaches the database: PostgreSQL cannot store or
  compare it in text (``DataError``). :mod:`marketplace.middleware` answers a
  request whose path or query holds one with 404 or 400 before a view runs.
* **Single-line text** (a name, a title, a label): no control characters
  (Unicode category ``Cc``: C0, DEL and C1, CR and LF included) and no line or
  paragraph separators. They break e-mail headers (Django refuses a subject
  with CR or LF: ``BadHeaderError``), log lines and the pages' layout.
  :func:`validate_single_line` refuses them with code ``text.control_character``
  (``docs/error-codes.md``).
* **Mail subjects** built from stored text (rows saved before the rule) are
  made safe at send time by :func:`header_safe`.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

NUL = "\x00"

#: Control characters (category ``Cc``) and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

#: The code of a refused single-line value (``docs/error-codes.md``, ``text.*``).
CONTROL_CHARACTER_CODE = "text.control_character"


def has_nul(value: str) -> bool:
    """True when ``value`` holds a NUL character (U+0000), which PostgreSQL text cannot hold."""
    return NUL in value


def has_control_characters(value: str) -> bool:
    """True when ``value`` holds a control character (Unicode ``Cc``, CR and LF included) or U+2028/U+2029."""
    return bool(_CONTROL.search(value))


def validate_single_line(value: str) -> None:
    """A validator (forms, serializers, model fields) for a name or title typed on one line.

    Args:
        value: the text as typed.

    Raises:
        django.core.exceptions.ValidationError: with code ``text.control_character`` when ``value``
            holds a control character or a line break (rule in this module's docstring).
    """
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(
            "Use one line of text without control characters (line breaks, tabs, NUL).",
            code=CONTROL_CHARACTER_CODE,
        )


def header_safe(value: str) -> str:
    """``value`` fit for an e-mail header: control characters and line breaks become spaces.

    For subjects built from stored text that predates :func:`validate_single_line` (RFC 5322
    section 2.2: header field bodies hold no CR or LF); runs of spaces collapse to one.
    """
    return " ".join(_CONTROL.sub(" ", str(value)).split())
