"""Static checks on a package's members: code that uses a capability it did not declare.

Spec section 5: "Code that uses a capability its package did not declare
(opens network connections without ``network``, spawns processes without
``process``, writes files without ``fs:write``) is a scan finding."
These are plain functions over the in-memory members that
``publishing.format.inspect_package`` returns; nothing is written to disk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .constants import Severity

#: Member suffixes read as source code.
CODE_SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".ts", ".sh", ".bash")
#: Members larger than this (bytes) are not scanned line by line.
MAX_SCANNED_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Capability:
    """A capability, the permissions that declare it, and source patterns that use it."""

    name: str
    code: str
    permissions: tuple[str, ...]
    pattern: re.Pattern[str]
    severity: str


CAPABILITIES = (
    Capability(
        name="network access",
        code="scan.undeclared_network",
        permissions=("network",),
        pattern=re.compile(
            r"\b(import\s+(socket|requests|httpx|aiohttp|urllib3)\b|from\s+(urllib|http\.client|requests|httpx)\b"
            r"|urllib\.request|urlopen\(|fetch\(|XMLHttpRequest|new\s+WebSocket\(|require\(['\"](https?|net)['\"]\)"
            r"|\bcurl\s|\bwget\s)"
        ),
        severity=Severity.MEDIUM,
    ),
    Capability(
        name="starting processes",
        code="scan.undeclared_process",
        permissions=("process",),
        pattern=re.compile(
            r"\b(import\s+subprocess|from\s+subprocess\b|subprocess\.|os\.system\(|os\.popen\(|os\.exec\w*\("
            r"|os\.spawn\w*\(|child_process|execSync\(|spawnSync\()"
        ),
        severity=Severity.HIGH,
    ),
    Capability(
        name="writing files",
        code="scan.undeclared_fs_write",
        permissions=("fs:write",),
        pattern=re.compile(
            r"(open\([^)\n]*,\s*['\"][wax]b?\+?['\"]|\.write_text\(|\.write_bytes\(|shutil\.(copy|move|rmtree)"
            r"|os\.(remove|unlink|rename|makedirs|mkdir)\(|fs\.(writeFile|appendFile|unlink|rm)\w*\()"
        ),
        severity=Severity.MEDIUM,
    ),
)
#: Code that is suspicious whatever the package declares.
SUSPICIOUS = (
    (
        "scan.dynamic_code",
        Severity.MEDIUM,
        "Runs dynamically built code.",
        re.compile(r"\b(eval|exec)\(\s*(base64|codecs|zlib|bytes\.fromhex|compile)|new\s+Function\("),
    ),
    (
        "scan.encoded_payload",
        Severity.LOW,
        "Holds a long encoded blob.",
        re.compile(r"['\"][A-Za-z0-9+/=]{400,}['\"]"),
    ),
)


@dataclass(frozen=True)
class Finding:
    """One scan result: a stable ``code``, a ``severity``, a sentence, the member and a line excerpt."""

    code: str
    severity: str
    message: str
    path: str = ""
    excerpt: str = ""


def _declares(permissions: tuple[str, ...], prefixes: tuple[str, ...]) -> bool:
    return any(p == prefix or p.startswith(prefix + ":") for p in permissions for prefix in prefixes)


def scan(inspection) -> list[Finding]:
    """Scan the code members of an inspected package.

    Args:
        inspection: a ``publishing.format.Inspection`` (members in memory).

    Returns:
        One finding per (rule, member), with the first matching line as the
        excerpt (``path:line: text``), in member order.
    """
    permissions = tuple(inspection.manifest.permissions)
    findings: list[Finding] = []
    for path, content in inspection.members.items():
        if not path.endswith(CODE_SUFFIXES) or len(content) > MAX_SCANNED_BYTES:
            continue
        text = content.decode("utf-8", errors="replace")
        for capability in CAPABILITIES:
            if _declares(permissions, capability.permissions):
                continue
            excerpt = _first_match(capability.pattern, path, text)
            if excerpt:
                findings.append(
                    Finding(
                        code=capability.code,
                        severity=capability.severity,
                        message=f"Uses {capability.name} without declaring the "
                        f"'{capability.permissions[0]}' permission (spec section 5).",
                        path=path,
                        excerpt=excerpt,
                    )
                )
        for code, severity, message, pattern in SUSPICIOUS:
            excerpt = _first_match(pattern, path, text)
            if excerpt:
                findings.append(
                    Finding(code=code, severity=severity, message=message, path=path, excerpt=excerpt)
                )
    return findings


def _first_match(pattern: re.Pattern[str], path: str, text: str) -> str:
    match = pattern.search(text)
    if match is None:
        return ""
    line_no = text.count("\n", 0, match.start()) + 1
    line = text.splitlines()[line_no - 1] if text else ""
    return f"{path}:{line_no}: {line.strip()[:200]}"


@dataclass(frozen=True)
class AuditReport:
    """A score from 0 to 100 and a verdict (``certified``, ``needs-review``, ``rejected``)."""

    score: int
    verdict: str


#: Points taken from 100 per finding, by severity.
PENALTY = {"info": 0, "low": 2, "medium": 10, "high": 30, "critical": 60}


def audit(findings) -> AuditReport:
    """Score findings: 100 minus a penalty per finding (floor 0); any critical rejects,
    no finding at medium or above with a score of 90 or more certifies."""
    severities = [f.severity for f in findings]
    score = max(0, 100 - sum(PENALTY[s] for s in severities))
    if "critical" in severities:
        return AuditReport(score, "rejected")
    if score >= 90 and not {"medium", "high"} & set(severities):
        return AuditReport(score, "certified")
    return AuditReport(score, "needs-review")
