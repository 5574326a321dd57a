"""``docs/error-codes.md`` lists every error code the marketplace emits, and nothing else.

The codes are collected from the source, so codes added later (scan rules, API
errors) are picked up without editing this test:

* every quoted ``area.snake_case`` string in ``publishing/**/*.py``, ``api/**/*.py``,
  ``tokens/**/*.py``, ``moderation/**/*.py``, ``marketplace/**/*.py`` and ``clients/mkt/src/**/*.py``
  (the format library; migrations excluded) whose area is one of
  :data:`PREFIXES`;
* ``yara.RULE`` for every ``rule RULE`` in ``publishing/**/*.yar``, the code a YARA
  match is reported under.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "error-codes.md"
SOURCE = ROOT / "publishing"
SOURCES = (
    SOURCE,
    ROOT / "moderation",
    ROOT / "api",
    ROOT / "tokens",
    ROOT / "marketplace",
    ROOT / "repository",
    ROOT / "clients" / "mkt" / "src",  # the format library (archive, checksums, manifest, signature codes)
)

PREFIXES = (
    "archive",
    "checksums",
    "signature",
    "manifest",
    "package",
    "release",
    "artifact",
    "token",
    "scan",
    "yara",
    "auth",
    "permission",
    "request",
    "metadata",
    "category",
    "note",
    "submission",
    "plan",
    "connector",
    "tuf",
)
_AREA = "|".join(PREFIXES)
QUOTED_CODE = re.compile(rf"""(?<![\w.])["']((?:{_AREA})\.[a-z][a-z0-9_]*)["']""")
DOCUMENTED_CODE = re.compile(rf"`((?:{_AREA})\.[a-z][a-z0-9_]*)`")
YARA_RULE = re.compile(r"^\s*(?:(?:private|global)\s+)*rule\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
# Strings that look like codes but are file names.
NOT_CODES = re.compile(r"\.(json|md|py|toml|txt|yar|yml|yaml|html|sig|tar|gz|lock)$")
# The transparency log's entry kinds (docs/api.md, "Transparency log"), which the client checks.
LOG_ENTRY_KINDS = {"release.published", "release.yanked"}


def source_codes() -> dict[str, set[str]]:
    """Every code used in the :data:`SOURCES`, with the files that use it."""
    found: dict[str, set[str]] = {}
    for path in sorted(p for source in SOURCES for p in source.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for code in QUOTED_CODE.findall(path.read_text(encoding="utf-8")):
            if not NOT_CODES.search(code) and code not in LOG_ENTRY_KINDS:
                found.setdefault(code, set()).add(str(path.relative_to(ROOT)))
    for path in sorted(SOURCE.rglob("*.yar")):
        for rule in YARA_RULE.findall(path.read_text(encoding="utf-8")):
            found.setdefault(f"yara.{rule}", set()).add(str(path.relative_to(ROOT)))
    return found


def documented_rows() -> dict[str, list[str]]:
    """Code -> the cells of its table row in the doc (the first cell is the code)."""
    rows: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        match = DOCUMENTED_CODE.fullmatch(cells[0])
        if match:
            assert match.group(1) not in rows, f"{match.group(1)} is documented twice"
            rows[match.group(1)] = cells
    return rows


def test_the_source_uses_codes():
    codes = source_codes()
    # Sanity: the collector finds codes of every stage.
    for expected in ("archive.symlink", "checksums.mismatch", "manifest.required", "signature.missing"):
        assert expected in codes


def test_every_code_in_the_source_is_documented():
    missing = {code: sorted(files) for code, files in source_codes().items() if code not in documented_rows()}
    assert not missing, f"codes missing from {DOC.relative_to(ROOT)} (add a table row each): {missing}"


def test_every_documented_code_still_exists():
    used = source_codes()
    stale = sorted(code for code in documented_rows() if code not in used)
    assert not stale, f"{DOC.relative_to(ROOT)} documents codes no longer used in publishing/: {stale}"
    # Codes mentioned in prose must exist too.
    mentioned = set(DOCUMENTED_CODE.findall(DOC.read_text(encoding="utf-8")))
    assert not sorted(mentioned - set(used)), "codes mentioned in the prose but not used"


#: A link in the rule column: to a section of the package format or of the API guide.
RULE_LINK = re.compile(r"\[([^\]]+)\]\((package-format\.md|api\.md|operators\.md)#([a-z-]+)\)")


def test_every_row_is_complete():
    for code, cells in documented_rows().items():
        assert len(cells) == 5, f"{code}: expected code | meaning | rule | HTTP | what to do"
        meaning, rule, http, action = cells[1:]
        assert meaning and action, code
        links = RULE_LINK.findall(rule)
        assert links and ", ".join(f"[{t}]({d}#{a})" for t, d, a in links) == rule, (
            f"{code}: rule column {rule!r}"
        )
        for _text, doc, anchor in links:
            assert f"{{#{anchor}}}" in (DOC.parent / doc).read_text(encoding="utf-8"), (
                f"{code}: no #{anchor} in {doc}"
            )
        assert re.fullmatch(r"4\d\d|—", http), f"{code}: HTTP column {http!r}"
