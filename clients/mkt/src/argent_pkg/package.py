"""Whole-package verification: container, checksums, manifest and signatures.

:func:`inspect_package` is what the server runs on an upload and what ``mkt verify``
runs on a file.  It applies docs/package-format.md and reports the problems of every
stage together.  Whether the verifying key is registered to the uploading
publisher (and not revoked) is the server's business, not this module's.
"""

from __future__ import annotations

import base64
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from .archive import Archive, Limits, read_archive
from .checksums import SHA256SUMS, SIGNATURE, check_sha256sums
from .errors import WARNING, FormatError, PackageInvalid, Problem
from .manifest import KINDS, MANIFEST_NAME, KindRule, Manifest, validate_manifest
from .signing import decode_public_key, decode_signature, fingerprint, verify_signature

__all__ = ["README_NAME", "Inspection", "argentos_connector_dir", "inspect_package"]

README_NAME = "README.md"
#: The Python project of a connector's agent harness (docs/package-format.md, "Kinds").
HARNESS_PROJECT = "agent-harness/pyproject.toml"


def argentos_connector_dir(identifier: str) -> str:
    """The directory name the ArgentOS installer gives connector ``identifier``, and its harness command.

    ``aos-<identifier>``, or the identifier itself when it already starts with ``aos-``: the
    installer takes a connector only from a top-level directory named ``aos-*`` holding
    ``connector.json``, installs it under that name, and runs the harness command of the
    same name (docs/package-format.md, "ArgentOS download layout").
    """
    return identifier if identifier.startswith("aos-") else f"aos-{identifier}"


def _harness_command_warning(manifest: Manifest, members: Mapping[str, bytes]) -> Problem | None:
    """``connector.harness_command`` when a connector's harness does not declare its ``aos-`` command.

    Looks at ``[project.scripts]`` of ``agent-harness/pyproject.toml``; a connector without
    a harness project, or another kind, is not concerned.
    """
    if manifest.kind != "connector" or HARNESS_PROJECT not in members:
        return None
    command = argentos_connector_dir(manifest.id)
    try:
        project = tomllib.loads(members[HARNESS_PROJECT].decode("utf-8")).get("project")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        project = None
    scripts = project.get("scripts") if isinstance(project, dict) else None
    if isinstance(scripts, dict) and command in scripts:
        return None
    return Problem(
        "connector.harness_command",
        f"The ArgentOS installer runs a connector's harness as the command '{command}', but "
        f"{HARNESS_PROJECT} declares no such script: add '{command} = \"module:function\"' "
        f"under [project.scripts].",
        HARNESS_PROJECT,
        command,
        severity=WARNING,
    )


@dataclass(frozen=True)
class Inspection:
    """The result of a successful :func:`inspect_package`.

    Attributes:
        manifest: the validated manifest.
        members: normalised path -> content of every regular file.
        sha256: lowercase hex SHA-256 of the whole package file (the artifact digest).
        size: size of the package file in bytes.
        public_key: the verifying key, standard base64 of its 32 raw bytes.
        key_fingerprint: ``SHA256:`` + unpadded base64 of the key's SHA-256.
        signatures: the signatures that verified, ``"embedded"`` and/or
            ``"detached"`` -> base64 signature.
        warnings: manifest warnings plus ``package.no_readme`` and similar.
        readme: the text of ``README.md``, or ``None`` when there is none.
    """

    manifest: Manifest
    members: dict[str, bytes] = field(repr=False)
    sha256: str
    size: int
    public_key: str
    key_fingerprint: str
    signatures: dict[str, str]
    warnings: tuple[Problem, ...] = ()
    readme: str | None = field(default=None, repr=False)


def _manifest_public_key(members: Mapping[str, bytes]) -> object:
    """Return ``author.publicKey`` from the manifest, read leniently, or ``None``."""
    try:
        data = json.loads(members[MANIFEST_NAME].decode("utf-8-sig"))
    except (KeyError, ValueError, RecursionError):
        return None
    author = data.get("author") if isinstance(data, dict) else None
    return author.get("publicKey") if isinstance(author, dict) else None


def _resolve_key(
    members: Mapping[str, bytes], public_key: str | None, problems: list[Problem], *, fallback: bool = False
) -> bytes | None:
    """Find the verifying key (docs/package-format.md, "Signatures"), appending any key problem.

    ``fallback``: the caller has registered keys to try when neither key is given, so a
    missing key is not a problem here.
    """
    from_manifest = _manifest_public_key(members)
    manifest_raw = None
    if isinstance(from_manifest, str):
        try:
            manifest_raw = decode_public_key(from_manifest, field="author.publicKey")
        except FormatError:
            # validate_manifest has already reported the malformed key.
            return None
    given_raw = None
    if public_key is not None:
        try:
            given_raw = decode_public_key(public_key, field="authorPublicKey")
        except FormatError as exc:
            problems.extend(exc.problems)
            return None
    if manifest_raw is not None and given_raw is not None and manifest_raw != given_raw:
        problems.append(
            Problem(
                "signature.key_mismatch",
                "The public key given with the package differs from author.publicKey in its "
                "manifest; they must be the same key.",
                "authorPublicKey",
                public_key,
            )
        )
        return None
    key = manifest_raw or given_raw
    if key is None and not fallback:
        problems.append(
            Problem(
                "signature.key_missing",
                "No public key to verify the package with: set author.publicKey in the "
                "manifest or give the key with the upload.",
                "author.publicKey",
            )
        )
    return key


def _check_signatures(
    archive: Archive,
    key: bytes | None,
    detached: str | None,
    problems: list[Problem],
) -> dict[str, str]:
    """Verify every signature present (docs/package-format.md, "Signatures and keys") and return those that verified."""
    candidates: list[tuple[str, str | bytes, bytes, str]] = []
    embedded = archive.members.get(SIGNATURE)
    if embedded is not None:
        text = embedded[:-1] if embedded.endswith(b"\n") else embedded
        candidates.append(("embedded", text, archive.members.get(SHA256SUMS, b""), SIGNATURE))
    if detached is not None:
        digest = bytes.fromhex(archive.sha256) if archive.sha256 else b""
        candidates.append(("detached", detached, digest, "signature"))
    if not candidates:
        problems.append(
            Problem(
                "signature.missing",
                "The package is not signed: add a SIGNATURE file over SHA256SUMS or give a "
                "detached signature of the package file.",
                None,
            )
        )
        return {}
    verified: dict[str, str] = {}
    for name, signature_text, signed_data, field_name in candidates:
        try:
            decode_signature(signature_text, field=field_name)
        except FormatError as exc:
            problems.extend(exc.problems)
            continue
        if key is None:
            continue
        # The signature decoded, so its text is plain ASCII.
        text = signature_text.decode("ascii") if isinstance(signature_text, bytes) else (signature_text)
        if verify_signature(key, signed_data, text):
            verified[name] = text
        else:
            problems.append(
                Problem(
                    "signature.invalid",
                    f"The {name} signature does not verify with the package's public key; the "
                    f"package was changed after signing or signed with another key.",
                    field_name,
                )
            )
    return verified


def _key_from_fallbacks(
    archive: Archive, fallback_keys: Sequence[str], detached: str | None, problems: list[Problem]
) -> tuple[bytes | None, dict[str, str]]:
    """The first of ``fallback_keys`` with which every signature present verifies, and those signatures.

    When none does, the problems of the first try are appended, with ``signature.invalid``
    saying that no registered key verifies.
    """
    first: list[Problem] | None = None
    for text in fallback_keys:
        try:
            raw = decode_public_key(text, field="authorPublicKey")
        except FormatError:
            continue
        tried: list[Problem] = []
        verified = _check_signatures(archive, raw, detached, tried)
        if not tried:
            return raw, verified
        if first is None:
            first = tried
    if first is None:
        # No key could be tried (none decodes): the package names none that can be used.
        first = [
            Problem(
                "signature.key_missing",
                "No public key to verify the package with: set author.publicKey in the "
                "manifest or give the key with the upload.",
                "author.publicKey",
            )
        ]
    for problem in first:
        if problem.code == "signature.invalid":
            problem = Problem(
                "signature.invalid",
                "The package names no public key, and its signature verifies with none of the "
                "publisher's registered keys: sign it with a registered key, or give the key "
                "(author.publicKey or authorPublicKey).",
                problem.field,
            )
        problems.append(problem)
    return None, {}


def inspect_package(
    fileobj: BinaryIO | bytes,
    *,
    detached_signature: str | None = None,
    public_key: str | None = None,
    fallback_keys: Sequence[str] = (),
    kinds: Mapping[str, KindRule] = KINDS,
    limits: Limits = Limits(),  # noqa: B008
) -> Inspection:
    """Read and verify a whole package (docs/package-format.md).

    Args:
        fileobj: the package file (binary file object, only ``read(n)`` is used) or
            its bytes.
        detached_signature: the detached signature (standard base64 of the Ed25519
            signature over the 32 raw bytes of the file's SHA-256), if one was given.
        public_key: the verifying key given beside the package (``authorPublicKey``
            of a publish request), standard base64 of 32 raw bytes.  When the manifest
            also has ``author.publicKey`` both must be equal.
        fallback_keys: keys to try, in order, when neither ``public_key`` nor the
            manifest's ``author.publicKey`` is given (the server passes the uploading
            publisher's registered, unrevoked keys, standard base64 of 32 raw bytes): the
            first with which every signature present verifies is the package's key
            (docs/package-format.md, "Signatures"). When none does, the signatures are
            reported ``signature.invalid``; with no fallback keys a package that names no
            key is ``signature.key_missing``, as before.
        kinds: the kind vocabulary (see :func:`validate_manifest`).
        limits: the container limits, sizes in bytes.

    Returns:
        an :class:`Inspection`.

    Raises:
        PackageInvalid: with every problem found.  Container problems stop the
            inspection (nothing else can be trusted); otherwise missing members,
            checksum, manifest, key and signature problems are reported together.
    """
    archive = read_archive(fileobj, limits=limits)
    members = archive.members
    problems: list[Problem] = []
    warnings: list[Problem] = []

    if MANIFEST_NAME not in members:
        problems.append(
            Problem(
                "archive.missing_member",
                f"The package has no {MANIFEST_NAME} at its root.",
                MANIFEST_NAME,
            )
        )
    for problem in check_sha256sums(members):
        (warnings if problem.severity == WARNING else problems).append(problem)

    manifest: Manifest | None = None
    if MANIFEST_NAME in members:
        try:
            manifest = validate_manifest(members[MANIFEST_NAME], member_paths=members, kinds=kinds)
        except PackageInvalid as exc:
            problems.extend(exc.problems)
            warnings.extend(exc.warnings)
        else:
            warnings.extend(manifest.warnings)

    names_no_key = public_key is None and _manifest_public_key(members) is None
    key = _resolve_key(members, public_key, problems, fallback=bool(fallback_keys) and names_no_key)
    if key is None and fallback_keys and names_no_key:
        key, signatures = _key_from_fallbacks(archive, fallback_keys, detached_signature, problems)
    else:
        signatures = _check_signatures(archive, key, detached_signature, problems)

    readme = None
    if README_NAME in members:
        try:
            readme = members[README_NAME].decode("utf-8")
        except UnicodeDecodeError:
            problems.append(
                Problem("package.readme_not_utf8", "README.md is not valid UTF-8 text.", README_NAME)
            )
    else:
        warnings.append(
            Problem(
                "package.no_readme",
                "The package has no README.md; the listing page will show the description instead.",
                README_NAME,
                severity=WARNING,
            )
        )

    harness = _harness_command_warning(manifest, members) if manifest is not None else None
    if harness is not None:
        warnings.append(harness)

    if problems:
        raise PackageInvalid(problems, warnings)
    assert manifest is not None and key is not None
    return Inspection(
        manifest=manifest,
        members=dict(members),
        sha256=archive.sha256,
        size=archive.size,
        public_key=base64.b64encode(key).decode("ascii"),
        key_fingerprint=fingerprint(key),
        signatures=signatures,
        warnings=tuple(warnings),
        readme=readme,
    )
