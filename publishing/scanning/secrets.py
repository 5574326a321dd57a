"""Leaked credentials in any member, and masking so that no excerpt ever repeats one.

Each :class:`SecretPattern` is a regular expression with fixed prefixes (the
token formats their issuers publish), checked only when one of its prefixes
occurs in the member, so scanning stays cheap. :func:`candidate_specs` finds
which specs' prefixes occur in one pass over the member: one YARA rule per
spec whose strings are its prefixes (about 500 MB/s, against about 90 MB/s
for the 26 ``bytes`` substring searches it replaces), falling back to those
searches whenever YARA fails. Sources of the formats:

* PEM private keys: RFC 7468 section 10 and OpenSSH ``PROTOCOL.key``;
* AWS access key ids ``AKIA``/``ASIA`` + 16 characters, secret keys 40 base64
  characters: AWS IAM user guide, "Understanding unique ID prefixes";
* Google API keys ``AIza`` + 35 characters: Google Cloud "API keys" docs;
* GitHub tokens ``ghp_``/``gho_``/``ghu_``/``ghs_``/``ghr_`` and
  ``github_pat_``: GitHub blog "Behind GitHub's new authentication token formats";
* Slack tokens ``xox[abposr]-`` and incoming-webhook URLs: Slack API "Token types";
* Stripe ``sk_live_``/``rk_live_``/``sk_test_``: Stripe docs "API keys".

Severities: ``critical`` for live credentials, ``high`` for Google API keys
(often browser keys restricted by referrer) and Slack webhooks (post-only),
``low`` for Stripe test-mode keys.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

import yara

from publishing.constants import Severity

from .base import Hit

logger = logging.getLogger(__name__)

#: How many characters of a secret stay visible at its start and its end.
KEEP_START, KEEP_END = 4, 2
#: Bytes either side of an AWS access key id searched for its secret key.
AWS_SECRET_WINDOW = 500
#: Prefixes shorter than this are searched with ``in``: YARA indexes each string by an "atom"
#: of up to 4 fixed bytes, and a shorter one matches often enough to slow the whole scan.
MIN_YARA_PREFIX = 4
#: Seconds YARA may spend looking for the prefixes in one member before the plain search takes over.
PREFIX_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class SecretPattern:
    """A credential format: ``pattern`` has a group named ``secret`` (the part that is masked)."""

    code: str
    label: str
    severity: str
    prefixes: tuple[bytes, ...]
    pattern: str

    @property
    def bytes_re(self) -> re.Pattern[bytes]:
        return _compiled_bytes(self.pattern)

    @property
    def str_re(self) -> re.Pattern[str]:
        return _compiled_str(self.pattern)


_B64_40 = r"(?<![A-Za-z0-9/+])(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"

PATTERNS: tuple[SecretPattern, ...] = (
    SecretPattern(
        "secret.private_key",
        "a PEM private key",
        Severity.CRITICAL,
        (b"PRIVATE KEY-----",),
        # The body that follows the header on the same line (a key pasted into JSON or a string) is masked.
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"
        r"(?P<secret>(?:\\n|\\r|[ \t])*[A-Za-z0-9+/=:,\- \t\\]*)",
    ),
    SecretPattern(
        "secret.aws_access_key",
        "an AWS access key id",
        Severity.CRITICAL,
        (b"AKIA", b"ASIA"),
        r"(?<![A-Z0-9])(?P<secret>(?:AKIA|ASIA)[0-9A-Z]{16})(?![A-Z0-9])",
    ),
    SecretPattern(
        "secret.aws_secret_key",
        "an AWS secret access key",
        Severity.CRITICAL,
        (b"ecret_access_key", b"ECRET_ACCESS_KEY", b"ecretAccessKey", b"ecret_key", b"ECRET_KEY"),
        r"(?i:aws_?secret_?(?:access_?)?key)[\"']?\s*[:=]\s*[\"']?" + _B64_40,
    ),
    SecretPattern(
        "secret.google_api_key",
        "a Google API key",
        Severity.HIGH,
        (b"AIza",),
        r"(?P<secret>AIza[0-9A-Za-z_\-]{35})(?![0-9A-Za-z_\-])",
    ),
    SecretPattern(
        "secret.github_token",
        "a GitHub token",
        Severity.CRITICAL,
        (b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_", b"github_pat_"),
        r"(?<![A-Za-z0-9_])(?P<secret>gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{50,240})"
        r"(?![A-Za-z0-9_])",
    ),
    SecretPattern(
        "secret.slack_token",
        "a Slack token",
        Severity.CRITICAL,
        (b"xoxb-", b"xoxp-", b"xoxa-", b"xoxo-", b"xoxs-", b"xoxr-"),
        r"(?<![A-Za-z0-9])(?P<secret>xox[abposr]-[A-Za-z0-9-]{10,250})",
    ),
    SecretPattern(
        "secret.slack_webhook",
        "a Slack incoming-webhook URL",
        Severity.HIGH,
        (b"hooks.slack.com/services/",),
        r"hooks\.slack\.com/services/(?P<secret>T[A-Za-z0-9_]{6,}/B[A-Za-z0-9_]{6,}/[A-Za-z0-9_]{16,})",
    ),
    SecretPattern(
        "secret.stripe_live_key",
        "a live Stripe secret or restricted key",
        Severity.CRITICAL,
        (b"sk_live_", b"rk_live_"),
        r"(?<![A-Za-z0-9_])(?P<secret>[sr]k_live_[0-9A-Za-z]{16,247})(?![0-9A-Za-z])",
    ),
    SecretPattern(
        "secret.stripe_test_key",
        "a Stripe test-mode secret key",
        Severity.LOW,
        (b"sk_test_", b"rk_test_"),
        r"(?<![A-Za-z0-9_])(?P<secret>[sr]k_test_[0-9A-Za-z]{16,247})(?![0-9A-Za-z])",
    ),
)
_AWS_NEARBY_SECRET = re.compile(_B64_40.encode())
#: Placeholders in documentation: ``...EXAMPLE``, ``xxxx``, ``your_token`` and the like.
_PLACEHOLDER = re.compile(r"example|xxxx|your|placeholder|redacted|dummy|<|\.\.\.", re.IGNORECASE)

_bytes_cache: dict[str, re.Pattern[bytes]] = {}
_str_cache: dict[str, re.Pattern[str]] = {}


def _compiled_bytes(pattern: str) -> re.Pattern[bytes]:
    if pattern not in _bytes_cache:
        _bytes_cache[pattern] = re.compile(pattern.encode())
    return _bytes_cache[pattern]


def _compiled_str(pattern: str) -> re.Pattern[str]:
    if pattern not in _str_cache:
        _str_cache[pattern] = re.compile(pattern)
    return _str_cache[pattern]


def mask(value: str) -> str:
    """``value`` with all but its first 4 and last 2 characters replaced by ``*``.

    Values of 8 characters or fewer are masked entirely.
    """
    if len(value) <= KEEP_START + KEEP_END + 2:
        return "*" * len(value)
    return value[:KEEP_START] + "*" * (len(value) - KEEP_START - KEEP_END) + value[-KEEP_END:]


def _mask_group(match: re.Match[str]) -> str:
    whole, start = match.group(0), match.start()
    s, e = match.span("secret")
    secret = match.group("secret")
    if secret.strip(" \t\\nr") == "":
        return whole
    return whole[: s - start] + mask(secret) + whole[e - start :]


def mask_secrets(text: str) -> str:
    """``text`` with every credential that :data:`PATTERNS` recognise masked (see :func:`mask`).

    Also masks any 40-character AWS-secret-shaped run (mixed case and a digit)
    on a line that holds an AWS access key id: excerpts may mask too much, never too little.
    """
    for spec in PATTERNS:
        if any(prefix.decode() in text for prefix in spec.prefixes):
            text = spec.str_re.sub(_mask_group, text)
    if "AKIA" in text or "ASIA" in text:
        text = _compiled_str(_B64_40).sub(_mask_aws_shaped, text)
    return text


def _mask_aws_shaped(match: re.Match[str]) -> str:
    return mask(match.group(0)) if _aws_secret_shaped(match.group(0)) else match.group(0)


def _aws_secret_shaped(value: str | bytes) -> bool:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return (
        any(c.islower() for c in value)
        and any(c.isupper() for c in value)
        and any(c.isdigit() for c in value)
    )


def _is_placeholder(secret: str) -> bool:
    body = secret.split("_", 2)[-1] if "_" in secret else secret
    return bool(_PLACEHOLDER.search(secret)) or len(set(body)) <= 3


def _rule_name(index: int) -> str:
    return f"spec_{index}"


@functools.cache
def _prefix_rules(patterns: tuple[SecretPattern, ...]) -> tuple[yara.Rules | None, tuple[bytes, ...]]:
    """(YARA rules, one per spec named ``spec_<index>``, for its prefixes of 4+ bytes; the shorter prefixes).

    The rules are ``None`` when no prefix is long enough. Each prefix is a hex
    string, so YARA looks for exactly its bytes, case-sensitively, as ``in`` does.
    Compiled once per ``patterns`` (module level, on first use).
    """
    rules, short = [], []
    for index, spec in enumerate(patterns):
        strings = []
        for number, prefix in enumerate(spec.prefixes):
            if len(prefix) < MIN_YARA_PREFIX:
                short.append(prefix)
            else:
                strings.append(f"$p{number} = {{ {prefix.hex(' ').upper()} }}")
        if strings:
            rules.append(
                f"rule {_rule_name(index)} {{ strings: {' '.join(strings)} condition: any of them }}"
            )
    if not rules:
        return None, tuple(short)
    return yara.compile(source="\n".join(rules), error_on_warning=True), tuple(short)


def _plain_candidates(data: bytes, patterns: tuple[SecretPattern, ...]) -> list[SecretPattern]:
    return [spec for spec in patterns if any(prefix in data for prefix in spec.prefixes)]


def _keep_scanning(_warning: int, _message: object = None) -> int:
    # "Too many matches" for a prefix repeated a million times: the answer is already known.
    return yara.CALLBACK_CONTINUE


def candidate_specs(data: bytes, patterns: tuple[SecretPattern, ...] = PATTERNS) -> list[SecretPattern]:
    """The specs of ``patterns`` (in their order) one of whose prefixes occurs in ``data``.

    Exactly the specs for which ``any(prefix in data for prefix in spec.prefixes)``
    holds, found in one YARA pass over ``data`` (bytes of any length, empty
    included) instead of one substring search per prefix; prefixes shorter
    than :data:`MIN_YARA_PREFIX` bytes are still searched with ``in``. Raises
    nothing of its own: if YARA fails (a compile error, a timeout after
    :data:`PREFIX_TIMEOUT_SECONDS` s, anything else), the plain searches give the
    answer, so a failure never hides a credential.
    """
    try:
        rules, short = _prefix_rules(patterns)
        if rules is None:
            return _plain_candidates(data, patterns)
        matches = rules.match(
            data=data, timeout=PREFIX_TIMEOUT_SECONDS, fast=True, warnings_callback=_keep_scanning
        )
    except Exception:
        logger.warning("YARA could not look for the credential prefixes; searching for each.", exc_info=True)
        return _plain_candidates(data, patterns)
    matched = {match.rule for match in matches}
    found_short = [prefix for prefix in short if prefix in data]
    return [
        spec
        for index, spec in enumerate(patterns)
        if _rule_name(index) in matched or any(prefix in spec.prefixes for prefix in found_short)
    ]


def find_secrets(data: bytes) -> list[Hit]:
    """Every kind of credential found in ``data``, once per kind, at its first occurrence.

    ``data`` is a member's bytes. Each spec of :data:`PATTERNS` whose prefix
    occurs (:func:`candidate_specs`) is searched with its regular expression;
    see the module docstring for the source of each format. The message names
    the credential masked (:func:`mask`), never in full. Raises nothing of its own.
    """
    hits: list[Hit] = []
    for spec in candidate_specs(data):
        for match in spec.bytes_re.finditer(data):
            secret = match.group("secret").decode("utf-8", "replace")
            if spec.code != "secret.private_key" and _is_placeholder(secret):
                continue
            hits.append(_hit(spec.code, spec.label, spec.severity, secret, match.start()))
            if spec.code == "secret.aws_access_key":
                nearby = _aws_secret_near(data, match.start(), match.end())
                if nearby is not None:
                    hits.append(_hit("secret.aws_secret_key", "an AWS secret access key", *nearby))
            break
    return hits


def _aws_secret_near(data: bytes, start: int, end: int) -> tuple[str, str, int] | None:
    window_start = max(0, start - AWS_SECRET_WINDOW)
    window = data[window_start : end + AWS_SECRET_WINDOW]
    for match in _AWS_NEARBY_SECRET.finditer(window):
        if _aws_secret_shaped(match.group("secret")):
            secret = match.group("secret").decode("ascii")
            return Severity.CRITICAL, secret, window_start + match.start("secret")
    return None


def _hit(code: str, label: str, severity: str, secret: str, offset: int) -> Hit:
    shown = "" if code == "secret.private_key" else f" ({mask(secret)})"
    return Hit(
        code=code,
        severity=severity,
        message=f"Contains {label}{shown}. Revoke it and remove it from the package.",
        offset=offset,
    )
