"""A release's ``compatibility`` specifier in words, as people read it.

The manifest's ``compatibility.argentos`` is a PEP 440 version specifier such as
``>=2026.3.0,<2027`` (docs/package-format.md, "Manifest"); the API hands it out as
written, and every page or e-mail a person reads shows :func:`compatibility_text`
of it ("2026.3.0 and later, before 2027"), through the ``compatibility_text``
template filter (``catalog/templatetags/compatibility.py``).
"""

from __future__ import annotations

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet

#: Words for "any version", when the release names no specifier.
ANY_VERSION = "Any ArgentOS version"

#: Lower bounds first, then exact versions, then upper bounds, then exclusions.
_ORDER = {">=": 0, ">": 0, "~=": 0, "==": 1, "===": 1, "<=": 2, "<": 2, "!=": 3}


def _wildcard(version: str) -> str:
    """``2026.*`` → ``2026.x``."""
    return version[:-2] + ".x" if version.endswith(".*") else version


def _compatible_upper(version: str) -> str:
    """The exclusive upper bound of ``~=version`` (PEP 440, "Compatible release"): ``2026.3.0`` → ``2026.4``."""
    release = version.split("+", 1)[0]
    head = release.split(".")[:-1]
    digits = "".join(ch for ch in head[-1] if ch.isdigit()) if head else ""
    if not digits:
        return ""
    head[-1] = str(int(digits) + 1)
    return ".".join(head)


def _phrase(spec: Specifier) -> str:
    op, version = spec.operator, spec.version
    if op == ">=":
        return f"{version} and later"
    if op == ">":
        return f"later than {version}"
    if op == "<":
        return f"before {version}"
    if op == "<=":
        return f"{version} and earlier"
    if op == "==":
        return f"{_wildcard(version)} only" if not version.endswith(".*") else f"any {_wildcard(version)}"
    if op == "!=":
        return f"not {_wildcard(version)}"
    if op == "~=":
        upper = _compatible_upper(version)
        return f"{version} and later, before {upper}" if upper else f"{version} and later"
    return f"exactly {version}"  # ===


def compatibility_text(specifier: str | None) -> str:
    """``specifier`` (PEP 440, e.g. ``>=2026.3.0,<2027``) in words: ``2026.3.0 and later, before 2027``.

    Each clause in words (``>=`` "and later", ``>`` "later than", ``<`` "before",
    ``<=`` "and earlier", ``==`` "only" or "any 2026.x", ``!=`` "not",
    ``~=`` "and later, before" the next release of its second-to-last part),
    lower bounds first and upper bounds after, joined by commas, the first letter
    capitalised. The rules are PEP 440's "Version specifiers", which
    docs/package-format.md ("Manifest") names.

    Args:
        specifier: the release's ``compatibility`` text; empty or ``None`` means any version.

    Returns:
        The words; :data:`ANY_VERSION` for no specifier, and the text unchanged when it
        does not parse (releases are validated on upload, so only old rows could be).
    """
    text = (specifier or "").strip()
    if not text:
        return ANY_VERSION
    try:
        specs = sorted(SpecifierSet(text), key=lambda s: (_ORDER.get(s.operator, 4), s.version))
    except InvalidSpecifier:
        return text
    words = ", ".join(_phrase(spec) for spec in specs)
    return words[:1].upper() + words[1:]
