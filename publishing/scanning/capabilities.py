"""Capabilities a package must declare, and a cheap regex check for non-Python code.

The rule (docs/package-format.md, "Kinds and permissions"): code that uses a capability its
package did not declare (opens network connections without ``network``, spawns processes
without ``process``, writes files without ``fs:write``) is a scan finding.
Python members get the precise AST check (``python_ast``); JavaScript,
TypeScript and shell members get the line patterns below, and so does a
Python member too large for the AST check. The patterns are the first
scanner's (``publishing/scanning.py`` before the YARA rules), extended with
Node's ``node:`` module names, Deno and Bun.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from publishing.constants import Severity

from .base import Hit, declares


@dataclass(frozen=True)
class Capability:
    """A capability: its finding code, the permission that declares it, and its severity."""

    name: str
    code: str
    permission: str
    severity: str

    def message(self, detail: str = "") -> str:
        what = f"{self.name} ({detail})" if detail else self.name
        return f"Uses {what} without declaring the '{self.permission}' permission (package format, 'Kinds and permissions')."


NETWORK = Capability("network access", "scan.undeclared_network", "network", Severity.MEDIUM)
PROCESS = Capability("starting processes", "scan.undeclared_process", "process", Severity.HIGH)
FS_WRITE = Capability("writing files", "scan.undeclared_fs_write", "fs:write", Severity.MEDIUM)
CAPABILITIES = (NETWORK, PROCESS, FS_WRITE)

#: Member suffixes checked with the line patterns, by language.
JS_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts")
SHELL_SUFFIXES = (".sh", ".bash", ".zsh", ".ksh")

_NODE_NET = r"(?:node:)?(?:https?|http2|net|tls|dgram|dns)|axios|node-fetch|got|undici|ws|request|superagent"
JS_PATTERNS: dict[Capability, re.Pattern[bytes]] = {
    NETWORK: re.compile(
        (
            r"\bfetch\s*\(|\bXMLHttpRequest\b|\bnew\s+(?:WebSocket|EventSource)\s*\(|navigator\.sendBeacon\b"
            rf"|\brequire\s*\(\s*['\"](?:{_NODE_NET})['\"]\s*\)|\bfrom\s+['\"](?:{_NODE_NET})['\"]"
            rf"|\bimport\s*\(\s*['\"](?:{_NODE_NET})['\"]\s*\)|\bDeno\.(?:connect|listen)\w*\s*\("
        ).encode()
    ),
    PROCESS: re.compile(
        rb"\bchild_process\b|\b(?:execSync|spawnSync|execFileSync)\s*\(|\bDeno\.(?:run|Command)\b"
        rb"|\bBun\.(?:spawn|spawnSync)\s*\(|\bprocess\.binding\s*\("
    ),
    FS_WRITE: re.compile(
        rb"\bfs(?:\.promises)?\.(?:writeFile|appendFile|unlink|rm|rmdir|mkdir|rename|copyFile|cp"
        rb"|createWriteStream|symlink|chmod|chown|truncate|utimes)\w*\s*\("
        rb"|\b(?:writeFileSync|appendFileSync|mkdirSync|unlinkSync|rmSync|renameSync)\s*\("
        rb"|\bDeno\.(?:writeFile|writeTextFile|remove|mkdir|rename|create)\w*\s*\(|\bBun\.write\s*\("
    ),
}
SHELL_PATTERNS: dict[Capability, re.Pattern[bytes]] = {
    NETWORK: re.compile(
        rb"(?m)(?:^|[;&|(`]|\$\()\s*(?:sudo\s+)?(?:curl|wget|nc|ncat|ssh|scp|rsync|telnet)\s"
    ),
    PROCESS: re.compile(rb"(?m)(?:^|[;&|(`]|\$\()\s*(?:nohup|setsid|disown|exec)\s"),
    FS_WRITE: re.compile(
        rb"(?m)(?:^|[;&|(`]|\$\()\s*(?:sudo\s+)?(?:rm|mv|cp|mkdir|touch|tee|dd|chmod|chown|ln|install|truncate)\s"
    ),
}
#: For a Python member too large to parse: the first scanner's patterns.
PYTHON_PATTERNS: dict[Capability, re.Pattern[bytes]] = {
    NETWORK: re.compile(
        rb"\b(?:import\s+(?:socket|requests|httpx|aiohttp|urllib3|ftplib|smtplib)\b"
        rb"|from\s+(?:urllib\.request|http\.client|requests|httpx|aiohttp|socket)\b|urllib\.request|urlopen\()"
    ),
    PROCESS: re.compile(
        rb"\b(?:import\s+subprocess|from\s+subprocess\b|subprocess\.|os\.system\(|os\.popen\(|os\.exec\w*\("
        rb"|os\.spawn\w*\(|pty\.spawn\()"
    ),
    FS_WRITE: re.compile(
        rb"(?:open\([^)\n]*,\s*['\"][wax]b?\+?['\"]|\.write_text\(|\.write_bytes\(|shutil\.(?:copy|move|rmtree)"
        rb"|os\.(?:remove|unlink|rename|makedirs|mkdir)\()"
    ),
}


def patterns_for(suffix: str) -> dict[Capability, re.Pattern[bytes]] | None:
    """The line patterns for a member with this (lower-case) suffix, or ``None``."""
    if suffix in JS_SUFFIXES:
        return JS_PATTERNS
    if suffix in SHELL_SUFFIXES:
        return SHELL_PATTERNS
    if suffix == ".py":
        return PYTHON_PATTERNS
    return None


def is_code(path: str) -> bool:
    """Whether the scanner reads the member at ``path`` as code (Python, JavaScript, TypeScript or shell)."""
    return patterns_for(PurePosixPath(path).suffix.lower()) is not None


def regex_hits(data: bytes, suffix: str, permissions: tuple[str, ...]) -> list[Hit]:
    """One hit per undeclared capability that a line pattern finds in ``data``, at its first match."""
    patterns = patterns_for(suffix)
    if patterns is None:
        return []
    hits = []
    for capability, pattern in patterns.items():
        if declares(permissions, capability.permission):
            continue
        match = pattern.search(data)
        if match is not None:
            hits.append(
                Hit(
                    capability.code,
                    capability.severity,
                    capability.message(),
                    offset=max(match.start(), match.end() - 1),
                )
            )
    return hits
