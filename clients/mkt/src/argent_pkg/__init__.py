"""The ``.argent-pkg`` package format: reading, checking, building and signing packages.

This package implements the format's rules (container, layout, checksums and signature,
manifest, kinds; each rule and its code is listed in ``docs/error-codes.md``) with the standard library, PyNaCl, ``semver`` and ``packaging`` only.  It never
imports Django, so the ``mkt`` command-line client can ship it on its own; the
server turns :class:`FormatError` into user messages in ``publishing/services.py``.
"""

from .archive import Archive, Limits, read_archive
from .builder import build_package, pack_members, package_filename
from .checksums import check_sha256sums, parse_sha256sums, render_sha256sums
from .errors import FormatError, PackageInvalid, Problem
from .manifest import (
    CATEGORIES,
    KINDS,
    PLURAL_KINDS,
    PRICING_MODELS,
    KindRule,
    Manifest,
    permission_allowed,
    validate_manifest,
)
from .package import Inspection, argentos_connector_dir, inspect_package
from .signing import (
    decode_public_key,
    detached_signature,
    fingerprint,
    generate_signing_key,
    load_signing_key,
    public_key_b64,
    save_signing_key,
    sign_bytes,
    verify_signature,
)

__all__ = [
    "CATEGORIES",
    "KINDS",
    "PLURAL_KINDS",
    "PRICING_MODELS",
    "Archive",
    "FormatError",
    "Inspection",
    "KindRule",
    "Limits",
    "Manifest",
    "PackageInvalid",
    "Problem",
    "argentos_connector_dir",
    "build_package",
    "check_sha256sums",
    "decode_public_key",
    "detached_signature",
    "fingerprint",
    "generate_signing_key",
    "inspect_package",
    "load_signing_key",
    "pack_members",
    "package_filename",
    "parse_sha256sums",
    "permission_allowed",
    "public_key_b64",
    "read_archive",
    "render_sha256sums",
    "save_signing_key",
    "sign_bytes",
    "validate_manifest",
    "verify_signature",
]
