"""The ``mkt`` command: make keys, build packages and verify them.

Exit codes: 0 success, 1 an invalid package or another failure (every problem is
listed as ``code field: message``), 2 a usage error (click's convention).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import click

from .builder import build_package, package_filename
from .errors import FormatError, Problem
from .package import inspect_package
from .signing import (
    fingerprint,
    generate_signing_key,
    load_signing_key,
    public_key_b64,
    save_signing_key,
)

__all__ = ["main"]

DEFAULT_KEY_PATH = "argent-signing.key"


def _format_problem(problem: Problem) -> str:
    field = f" {problem.field}" if problem.field is not None else ""
    prefix = "warning: " if not problem.is_error else ""
    return f"{prefix}{problem.code}{field}: {problem.message}"


def _fail(error: FormatError) -> None:
    """Print every problem of ``error`` to stderr and exit with status 1."""
    problems = error.problems or [Problem("error", str(error))]
    for problem in problems:
        click.echo(_format_problem(problem), err=True)
    for warning in getattr(error, "warnings", []):
        click.echo(_format_problem(warning), err=True)
    raise SystemExit(1)


@click.group()
def main() -> None:
    """Build, sign and verify .argent-pkg packages."""


@main.command()
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, writable=True),
    default=DEFAULT_KEY_PATH,
    show_default=True,
    help="Where to write the private key (mode 0600).",
)
def keygen(out: str) -> None:
    """Make a new Ed25519 signing key and print its public key and fingerprint."""
    key = generate_signing_key()
    try:
        save_signing_key(out, key)
    except FileExistsError:
        raise click.ClickException(f"{out} exists; refusing to overwrite a key.") from None
    public = public_key_b64(key)
    click.echo(f"private key: {out}")
    click.echo(f"public key: {public}")
    click.echo(f"fingerprint: {fingerprint(public)}")


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The private key file made by 'mkt keygen'.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="The package file to write (default: ID-VERSION.argent-pkg here).",
)
def build(directory: str, key_path: str, out: str | None) -> None:
    """Build and sign a package from DIRECTORY."""
    try:
        key = load_signing_key(key_path)
        package = build_package(directory, signing_key=key)
        # Verifying what was just built catches a broken build before it is shared.
        inspection = inspect_package(package)
    except FormatError as error:
        _fail(error)
    if out is None:
        out = package_filename(inspection.manifest)
    Path(out).write_bytes(package)
    click.echo(f"path: {out}")
    click.echo(f"sha256: {hashlib.sha256(package).hexdigest()}")
    click.echo(f"size: {len(package)}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--key", "public_key", default=None, help="The author's public key (base64).")
@click.option("--signature", "signature", default=None, help="A detached signature of FILE (base64).")
def verify(file: str, public_key: str | None, signature: str | None) -> None:
    """Verify the package FILE: container, checksums, manifest and signatures."""
    try:
        with open(file, "rb") as handle:
            inspection = inspect_package(handle, detached_signature=signature, public_key=public_key)
    except FormatError as error:
        click.echo(f"{file}: INVALID", err=True)
        _fail(error)
    manifest = inspection.manifest
    click.echo(f"{file}: OK")
    click.echo(f"package: {manifest.id} {manifest.version} ({manifest.kind})")
    click.echo(f"sha256: {inspection.sha256}")
    click.echo(f"size: {inspection.size}")
    click.echo(f"key: {inspection.key_fingerprint}")
    click.echo(f"signatures: {', '.join(sorted(inspection.signatures))}")
    for warning in inspection.warnings:
        click.echo(_format_problem(warning))
