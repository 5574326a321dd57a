"""The ``mkt`` command: make keys, scaffold, build, verify and publish packages.

Exit codes: 0 success, 1 an invalid package, a package the server rejected, or
another failure (every problem is listed as ``code field: message``), 2 a usage or
configuration error (click's convention), 3 a network error (the server could not
be reached or did not answer with JSON).

Commands:

* ``mkt keygen [--out FILE]``: a new Ed25519 signing key;
* ``mkt init [DIR]``: scaffold ``argent.plugin.json``, ``README.md`` and ``DEVELOPING.md``;
* ``mkt build DIR --key FILE [--out FILE]``: build and sign a package;
* ``mkt verify FILE [--key B64] [--signature B64]``: verify a package (a detached
  signature in ``FILE.sig`` or ``ID-VERSION.sig`` beside it is used automatically);
* ``mkt login [--url URL]``: store the marketplace URL and an API token (an account
  token, to install under your plan; an author token, to publish);
* ``mkt publish FILE [--url URL] [--token TOKEN] [--signature-file FILE]
  [--changelog TEXT] [--wait SECONDS]``: upload a package;
* ``mkt search [QUERY] [--kind K] [--limit N]``, ``mkt info ID``: the catalog;
* ``mkt install ID[@VERSION] [--license KEY] [--allow-downgrade] [--trust-new-key]
  [--reinstall]``: download, verify and install under ``$MKT_HOME`` (``~/.argentos``);
* ``mkt list``, ``mkt update [ID]``, ``mkt uninstall ID``, ``mkt verify-installed [ID]``;
* ``mkt trust --root FILE``: pin the marketplace's TUF root from a file the operator hands out;
* ``mkt log verify``: audit the marketplace's whole transparency log from its tiles.

``install`` and ``update`` report each install to the marketplace before writing it
(with the stored token, else a tenant id kept in ``$MKT_HOME/.mkt/tenant-id``); a
refusal such as a plan's install cap stops the install and prints the marketplace's
message, while a report that cannot be delivered only warns.

``search``, ``info``, ``install`` and ``update`` take ``--url`` (default ``$MKT_URL``).
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urljoin, urlsplit

import click
from argent_pkg.builder import build_package, package_filename
from argent_pkg.errors import FormatError, Problem
from argent_pkg.manifest import CATEGORIES, KINDS
from argent_pkg.package import inspect_package
from argent_pkg.signing import (
    fingerprint,
    generate_signing_key,
    load_signing_key,
    public_key_b64,
    save_signing_key,
)

from . import client, config, scaffold, trust
from . import install as install_mod
from . import installed as installed_mod

__all__ = ["EXIT_INVALID", "EXIT_NETWORK", "EXIT_OK", "EXIT_USAGE", "main"]

DEFAULT_KEY_PATH = "argent-signing.key"
EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_NETWORK = 3
#: Seconds between two polls of a submission under ``mkt publish --wait``.
POLL_INTERVAL = 2.0
#: The server waits at most this long on ``?wait=N`` (docs/api.md, "ArgentOS dialect").
SERVER_MAX_WAIT = 60
#: A detached signature file larger than this is certainly not a signature.
_MAX_SIGNATURE_FILE = 4096


def _format_problem(problem: Problem) -> str:
    field = f" {problem.field}" if problem.field is not None else ""
    prefix = "warning: " if not problem.is_error else ""
    return f"{prefix}{problem.code}{field}: {problem.message}"


def _fail(error: FormatError) -> NoReturn:
    """Print every problem of ``error`` to stderr and exit with status 1."""
    problems = error.problems or [Problem("error", str(error))]
    for problem in problems:
        click.echo(_format_problem(problem), err=True)
    for warning in getattr(error, "warnings", []):
        click.echo(_format_problem(warning), err=True)
    raise SystemExit(EXIT_INVALID)


def _exit(code: int, message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(code)


@click.group()
def main() -> None:
    """Build, sign, verify and publish .argent-pkg packages."""


# --- keys, building and verifying ---------------------------------------------------


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


def signature_file_for(file: str | os.PathLike[str]) -> Path | None:
    """The detached signature beside ``file``: ``FILE.sig``, else ``ID-VERSION.sig``.

    docs/package-format.md, "Signatures and keys" names the file ``ID-VERSION.sig``; ``FILE.sig`` (the whole file
    name plus ``.sig``, as ``gpg --detach-sign`` does) is looked for first.
    """
    path = Path(file)
    candidates = [path.with_name(path.name + ".sig")]
    if path.suffix:
        candidates.append(path.with_suffix(".sig"))
    return next((candidate for candidate in candidates if candidate.is_file()), None)


def read_signature_file(path: Path) -> str:
    """The base64 text of a detached signature file (surrounding whitespace removed)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_MAX_SIGNATURE_FILE + 1)
    except OSError as exc:
        _exit(EXIT_USAGE, f"cannot read {path}: {exc.strerror}")
    if len(raw) > _MAX_SIGNATURE_FILE:
        _exit(EXIT_USAGE, f"{path} is too large to be a detached signature.")
    # Undecodable bytes survive as U+FFFD, so the verifier reports signature.malformed.
    return raw.decode("ascii", "replace").strip()


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--key", "public_key", default=None, help="The author's public key (base64).")
@click.option(
    "--signature",
    "signature",
    default=None,
    help="A detached signature of FILE (base64). Default: the content of FILE.sig or ID-VERSION.sig "
    "beside FILE, when there is one.",
)
def verify(file: str, public_key: str | None, signature: str | None) -> None:
    """Verify the package FILE: container, checksums, manifest and signatures."""
    signature_path = None
    if signature is None:
        signature_path = signature_file_for(file)
        if signature_path is not None:
            signature = read_signature_file(signature_path)
    try:
        with open(file, "rb") as handle:
            inspection = inspect_package(handle, detached_signature=signature, public_key=public_key)
    except FormatError as error:
        click.echo(f"{file}: INVALID", err=True)
        if signature_path is not None:
            click.echo(f"signature file: {signature_path}", err=True)
        _fail(error)
    manifest = inspection.manifest
    click.echo(f"{file}: OK")
    click.echo(f"package: {manifest.id} {manifest.version} ({manifest.kind})")
    click.echo(f"sha256: {inspection.sha256}")
    click.echo(f"size: {inspection.size}")
    click.echo(f"key: {inspection.key_fingerprint}")
    click.echo(f"signatures: {', '.join(sorted(inspection.signatures))}")
    if signature_path is not None:
        click.echo(f"signature file: {signature_path}")
    for warning in inspection.warnings:
        click.echo(_format_problem(warning))


# --- scaffolding ---------------------------------------------------------------------


def _ask(value: Any, yes: bool, prompt: str, default: Any, **kwargs: Any) -> Any:
    """``value`` when given, else ``default`` under ``--yes``, else an interactive prompt."""
    if value is not None:
        return value
    if yes:
        return default
    return click.prompt(prompt, default=default, **kwargs)


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--id", "package_id", default=None, help="Package identifier (default: the directory name).")
@click.option("--name", default=None, help="Display name (default: the identifier).")
@click.option("--version", default=None, help="Semantic version (default: 0.1.0).")
@click.option("--kind", type=click.Choice(sorted(KINDS)), default=None, help="Kind (default: plugin).")
@click.option("--category", type=click.Choice(CATEGORIES), default=None, help="Category (default: other).")
@click.option("--description", default=None, help="One to 500 characters.")
@click.option("--license", "license_", default=None, help="SPDX expression or 'proprietary' (default MIT).")
@click.option("--author", default=None, help="Author name shown on the listing.")
@click.option("--permission", "permissions", multiple=True, help="A permission; repeat for several.")
@click.option("--yes", "-y", is_flag=True, help="Do not prompt: use the defaults for whatever is not given.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def init(
    directory: str,
    package_id: str | None,
    name: str | None,
    version: str | None,
    kind: str | None,
    category: str | None,
    description: str | None,
    license_: str | None,
    author: str | None,
    permissions: tuple[str, ...],
    yes: bool,
    force: bool,
) -> None:
    """Create argent.plugin.json, README.md (for customers) and DEVELOPING.md (your notes, not packaged) in DIRECTORY."""
    target = Path(directory)
    package_id = _ask(package_id, yes, "Package id", scaffold.default_id(target))
    name = _ask(name, yes, "Display name", package_id)
    version = _ask(version, yes, "Version", "0.1.0")
    kind = _ask(kind, yes, "Kind", "plugin", type=click.Choice(sorted(KINDS)))
    category = _ask(
        category,
        yes,
        "Category",
        "integration" if kind == "connector" else "other",
        type=click.Choice(CATEGORIES),
    )
    description = _ask(description, yes, "Description", f"{name}, a {kind} for ArgentOS.")
    license_ = _ask(license_, yes, "License (SPDX, or 'proprietary')", "MIT")
    author = _ask(author, yes, "Author name", os.environ.get("USER") or name)
    if not permissions and not yes:
        answer = click.prompt("Permissions (comma-separated, empty for none)", default="", show_default=False)
        permissions = tuple(item.strip() for item in answer.split(",") if item.strip())
    answers = scaffold.Answers(
        id=package_id,
        name=name,
        version=version,
        kind=kind,
        category=category,
        description=description,
        license=license_ or None,
        author=author or None,
        permissions=list(permissions),
    )
    try:
        files, manifest = scaffold.scaffold_files(answers)
    except FormatError as error:
        _fail(error)
    clashes = scaffold.existing(target, files)
    if clashes and not force:
        _exit(EXIT_INVALID, f"{', '.join(clashes)} already exist(s) in {target}; use --force to overwrite.")
    for path in scaffold.write_files(target, files):
        click.echo(f"wrote {path}")
    for warning in manifest.warnings:
        click.echo(_format_problem(warning))
    click.echo(f"Next: mkt keygen, then mkt build {directory} --key argent-signing.key")


# --- talking to the marketplace ---------------------------------------------------------


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        _exit(EXIT_USAGE, f"{url!r} is not an http:// or https:// URL.")
    return url.rstrip("/")


def _settings(url: str | None, token: str | None) -> config.Settings:
    try:
        settings = config.resolve(url, token)
    except config.ConfigError as exc:
        _exit(EXIT_USAGE, str(exc))
    _check_url(settings.url)
    return settings


@main.command()
@click.option("--url", default=None, help=f"The marketplace (default: $MKT_URL or {config.DEFAULT_URL}).")
def login(url: str | None) -> None:
    """Store the marketplace URL and an API token (asked for, hidden) in the config file.

    An account token (made on the marketplace's Account tokens page) installs under your plan;
    an author token (Publish → API tokens) publishes, and installs too.
    """
    url = _check_url(url or os.environ.get(config.ENV_URL) or config.DEFAULT_URL)
    token = click.prompt("API token (mkt_...; an account token to install, an author token to publish)",
                         hide_input=True).strip()  # fmt: skip
    if not token:
        _exit(EXIT_USAGE, "no token given.")
    if not token.startswith("mkt_"):
        click.echo("warning: marketplace tokens start with 'mkt_'; storing it anyway.", err=True)
    try:
        path = config.write_config({"url": url, "token": token})
    except OSError as exc:
        _exit(EXIT_USAGE, f"cannot write {config.config_path()}: {exc.strerror}")
    click.echo(f"wrote {path} (mode 0600)")


def _problem_line(item: Any) -> str:
    """``code field: message`` for an error or warning object of the API."""
    if not isinstance(item, dict):
        return str(item)
    field = f" {item['field']}" if item.get("field") not in (None, "") else ""
    return f"{item.get('code', 'error')}{field}: {item.get('message', '')}"


def _finding_line(item: Any) -> str:
    """``severity code path:line: message`` for a scan finding of the API."""
    if not isinstance(item, dict):
        return str(item)
    where = str(item.get("path") or "")
    if item.get("line") not in (None, ""):
        where += f":{item['line']}"
    parts = [str(item.get("severity", "")).upper() or "-", str(item.get("code", ""))]
    if where:
        parts.append(where + ":")
    parts.append(str(item.get("message", "")))
    line = " ".join(part for part in parts if part)
    if item.get("excerpt"):
        line += f"\n      {item['excerpt']}"
    return line


def _stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def _progress_bar(total: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar of bytes sent, or nothing when stdout is not a terminal."""
    if not _stdout_is_tty():
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        transient=False,
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda sent: progress.update(task, advance=sent)


def _print_errors(response: client.ApiResponse) -> NoReturn:
    errors = response.body.get("errors")
    click.echo(f"rejected: HTTP {response.status}", err=True)
    if isinstance(errors, list) and errors:
        for item in errors:
            click.echo(_problem_line(item), err=True)
    else:
        detail = response.body.get("detail") or response.body.get("message") or response.body
        click.echo(f"error: {detail}", err=True)
    raise SystemExit(EXIT_INVALID)


def _submission(body: dict[str, Any]) -> dict[str, Any]:
    inner = body.get("submission")
    if isinstance(inner, dict) and "status" in inner:
        return inner
    return body


def _wait_for_submission(
    settings: config.Settings, submission_id: object, deadline: float
) -> dict[str, Any] | None:
    """Poll the submission until it leaves ``scanning`` or ``deadline`` passes."""
    latest = None
    while True:
        try:
            response = client.get_json(settings.url, client.submission_path(submission_id), settings.token)
        except client.NetworkError as exc:
            _exit(EXIT_NETWORK, str(exc))
        if not response.ok:
            _print_errors(response)
        latest = _submission(response.body)
        if latest.get("status") != "scanning" or time.monotonic() >= deadline:
            return latest
        time.sleep(max(0.0, min(POLL_INTERVAL, deadline - time.monotonic())))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--url", default=None, help=f"The marketplace (default: $MKT_URL, config, {config.DEFAULT_URL})."
)
@click.option("--token", default=None, help="Author token (default: $MKT_TOKEN, then the config file).")
@click.option(
    "--signature-file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Detached signature to send (default: FILE.sig or ID-VERSION.sig beside FILE, if present).",
)
@click.option("--changelog", default=None, help="What changed in this version.")
@click.option(
    "--wait",
    type=click.IntRange(min=0),
    default=None,
    help="Wait up to SECONDS for the scan to finish and show its findings.",
)
def publish(
    file: str,
    url: str | None,
    token: str | None,
    signature_file: str | None,
    changelog: str | None,
    wait: int | None,
) -> None:
    """Upload the package FILE to the marketplace."""
    settings = _settings(url, token)
    signature_path = Path(signature_file) if signature_file else signature_file_for(file)
    signature = read_signature_file(signature_path) if signature_path else None
    size = os.path.getsize(file)
    started = time.monotonic()
    deadline = started + (wait or 0)
    try:
        with _progress_bar(size, f"Uploading {Path(file).name}") as progress:
            response = client.publish(
                settings.url,
                settings.token or "",
                file,
                signature=signature,
                changelog=changelog,
                wait=min(wait, SERVER_MAX_WAIT) if wait else None,
                progress=progress,
                timeout=client.TIMEOUT + min(wait or 0, SERVER_MAX_WAIT),
            )
    except client.NetworkError as exc:
        _exit(EXIT_NETWORK, str(exc))
    if not response.ok:
        _print_errors(response)

    body = response.body
    submission = body.get("submission") if isinstance(body.get("submission"), dict) else {}
    status = body.get("status", "?")
    click.echo(f"package: {body.get('packageId', '?')} {body.get('version', '?')}")
    click.echo(f"sha256: {body.get('fileHash', '?')}")
    if signature_path is not None:
        click.echo(f"signature file: {signature_path}")
    for warning in body.get("warnings") or []:
        click.echo(f"warning: {_problem_line(warning)}")
    final = None
    if wait and status == "scanning" and submission.get("id") is not None:
        final = _wait_for_submission(settings, submission["id"], deadline)
        status = final.get("status", status)
    click.echo(f"status: {status}")
    findings = (final or body).get("findings") or []
    if findings:
        click.echo(f"findings ({len(findings)}):")
        for finding in findings:
            click.echo(f"  {_finding_line(finding)}")
    elif final is not None and status != "scanning":
        click.echo("findings: none")
    details = final or {}
    for reason in details.get("flagReasons") or []:
        click.echo(f"flagged: {reason}")
    notes = details.get("reviewerNotes") or details.get("reviewer_notes")
    if notes:
        click.echo(f"reviewer notes: {notes}")
    if status == "scanning" and wait:
        click.echo(f"still scanning after {wait} s; check the submission page later.")
    if submission.get("url"):
        click.echo(f"submission: {urljoin(settings.url + '/', str(submission['url']))}")


# --- finding and installing packages ---------------------------------------------------------
#
# ``mkt search``, ``info``, ``install``, ``list``, ``update``, ``uninstall`` and
# ``verify-installed``: see ``clients/mkt/src/argent_mkt/install.py`` for what an
# installation verifies.  ``MKT_HOME`` (default ``~/.argentos``) is where packages
# go; ``MKT_URL`` or ``--url`` names the marketplace; ``MKT_LICENSE`` or
# ``--license`` is sent as ``X-License-Key``.

_URL_HELP = f"The marketplace (default: $MKT_URL, config, {config.DEFAULT_URL})."


def _market(url: str | None, license_key: str | None = None) -> install_mod.Marketplace:
    try:
        settings = config.resolve(url, None, need_token=False)
    except config.ConfigError as exc:
        _exit(EXIT_USAGE, str(exc))
    license_key = license_key or os.environ.get(install_mod.ENV_LICENSE) or None
    return install_mod.Marketplace(_check_url(settings.url), license_key, token=settings.token)


@contextmanager
def _client_errors() -> Iterator[None]:
    """Map the install client's exceptions to messages and exit codes."""
    try:
        yield
    except install_mod.InstallError as exc:
        click.echo(f"Error: {exc}", err=True)
        for line in exc.details:
            click.echo(f"  {line}", err=True)
        raise SystemExit(EXIT_INVALID) from None
    except (installed_mod.StateError, trust.TrustError) as exc:
        _exit(EXIT_INVALID, str(exc))
    except client.NetworkError as exc:
        _exit(EXIT_NETWORK, str(exc))


def _split_spec(spec: str) -> tuple[str, str | None]:
    package_id, _, version = spec.partition("@")
    if not package_id or (spec.count("@") and not version):
        _exit(EXIT_USAGE, f"{spec!r} is not ID or ID@VERSION.")
    return package_id, version or None


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "\u2026"


@main.command()
@click.argument("query", default="")
@click.option("--kind", type=click.Choice(sorted(KINDS)), default=None, help="Only packages of this kind.")
@click.option("--limit", type=click.IntRange(1, 50), default=20, show_default=True, help="At most this many.")
@click.option("--url", default=None, help=_URL_HELP)
def search(query: str, kind: str | None, limit: int, url: str | None) -> None:
    """Search the catalog for QUERY and print a table of packages."""
    market = _market(url)
    with _client_errors():
        body = market.search(query, kind, limit)
    items = [item for item in body.get("items") or [] if isinstance(item, dict)]
    if not items:
        click.echo("No packages found.")
        return
    rows = [
        (
            item.get("id") or item.get("name"),
            item.get("latest_version"),
            str(item.get("kind") or item.get("category") or ""),
            item.get("pricing"),
            item.get("description") or item.get("display_name"),
        )
        for item in items
    ]
    widths = (32, 12, 10, 10, 60)
    header = ("ID", "VERSION", "KIND", "PRICING", "DESCRIPTION")
    for row in [header, *rows]:
        click.echo(
            "  ".join(
                _cell(value, width).ljust(width) for value, width in zip(row, widths, strict=True)
            ).rstrip()
        )
    total = body.get("total")
    if isinstance(total, int) and total > len(items):
        click.echo(f"({len(items)} of {total} shown; use --limit or a narrower query)")


@main.command()
@click.argument("package_id")
@click.option("--url", default=None, help=_URL_HELP)
def info(package_id: str, url: str | None) -> None:
    """Show a package: details, versions, permissions and signing key."""
    market = _market(url)
    with _client_errors():
        item = market.detail(package_id)
    latest = item.get("latest") if isinstance(item.get("latest"), dict) else {}
    click.echo(f"{item.get('id', package_id)}: {item.get('display_name') or item.get('name') or ''}".rstrip())
    if item.get("description"):
        click.echo(f"  {item['description']}")
    author = item.get("author_name") or item.get("publisher") or "?"
    verified = " (verified)" if item.get("author_verified") else ""
    for label, value in (
        ("kind", item.get("kind")),
        ("category", item.get("topic") or item.get("category")),
        ("author", f"{author}{verified}"),
        ("pricing", item.get("pricing")),
        ("latest", item.get("latest_version") or latest.get("version")),
        ("downloads", item.get("total_downloads")),
        (
            "rating",
            f"{item.get('rating')} ({item.get('rating_count', 0)})" if item.get("rating_count") else None,
        ),
        ("min ArgentOS", latest.get("min_argent_version")),
        ("key fingerprint", latest.get("key_fingerprint")),
    ):
        if value not in (None, ""):
            click.echo(f"{label}: {value}")
    permissions = latest.get("permissions") or []
    click.echo("permissions: " + (", ".join(map(str, permissions)) if permissions else "none"))
    versions = [entry for entry in item.get("versions") or [] if isinstance(entry, dict)]
    if versions:
        click.echo("versions:")
        for entry in versions:
            yanked = "  (yanked)" if entry.get("yanked") else ""
            click.echo(f"  {entry.get('version')}  {entry.get('published_at') or ''}{yanked}".rstrip())
    if latest.get("changelog"):
        click.echo(f"changelog ({latest.get('version')}):\n  {latest['changelog']}")
    click.echo(f"install: mkt install {item.get('id', package_id)}")


def _install_one(
    market: install_mod.Marketplace,
    package_id: str,
    version: str | None,
    *,
    allow_downgrade: bool,
    trust_new_key: bool,
    reinstall: bool = False,
) -> install_mod.InstallResult:
    result = install_mod.install(
        market,
        package_id,
        version,
        home=installed_mod.home(),
        allow_downgrade=allow_downgrade,
        trust_new_key=trust_new_key,
        reinstall=reinstall,
        progress=lambda total, label: _progress_bar(total, f"Downloading {label}"),
        notify=lambda message: click.echo(message, err=True),
    )
    record = result.record
    if not result.changed:
        click.echo(f"{record.id} {record.version} is already installed in {result.path}")
    else:
        was = f" (was {result.previous})" if result.previous and result.previous != record.version else ""
        click.echo(f"installed {record.id} {record.version}{was} ({record.kind}) in {result.path}")
        click.echo(f"sha256: {record.sha256}")
        click.echo(f"key: {record.key_fingerprint}")
    return result


@main.command("install")
@click.argument("spec", metavar="ID[@VERSION]")
@click.option("--license", "license_key", default=None, help="License key for a paid package ($MKT_LICENSE).")
@click.option("--allow-downgrade", is_flag=True, help="Allow a version lower than the installed one.")
@click.option(
    "--trust-new-key",
    is_flag=True,
    help="Accept a marketplace key, or a package's author key, other than the pinned one.",
)
@click.option("--reinstall", is_flag=True, help="Install again even when this version is installed.")
@click.option("--url", default=None, help=_URL_HELP)
def install_command(
    spec: str,
    license_key: str | None,
    allow_downgrade: bool,
    trust_new_key: bool,
    reinstall: bool,
    url: str | None,
) -> None:
    """Download, verify and install a package under $MKT_HOME (default ~/.argentos)."""
    package_id, version = _split_spec(spec)
    market = _market(url, license_key)
    with _client_errors():
        _install_one(
            market,
            package_id,
            version,
            allow_downgrade=allow_downgrade,
            trust_new_key=trust_new_key,
            reinstall=reinstall,
        )


@main.command("list")
def list_command() -> None:
    """List the installed packages."""
    with _client_errors():
        records = installed_mod.load_installed(installed_mod.home())
    if not records:
        click.echo("No packages installed.")
        return
    widths = (32, 12, 10, 40)
    for row in [("ID", "VERSION", "KIND", "TARGET")] + [
        (r.id, r.version, r.kind, r.target) for r in sorted(records.values(), key=lambda r: r.id)
    ]:
        click.echo(
            "  ".join(
                _cell(value, width).ljust(width) for value, width in zip(row, widths, strict=True)
            ).rstrip()
        )


@main.command()
@click.argument("package_id", required=False)
@click.option("--license", "license_key", default=None, help="License key for a paid package ($MKT_LICENSE).")
@click.option(
    "--trust-new-key",
    is_flag=True,
    help="Accept a marketplace key, or a package's author key, other than the pinned one.",
)
@click.option("--url", default=None, help=_URL_HELP)
def update(package_id: str | None, license_key: str | None, trust_new_key: bool, url: str | None) -> None:
    """Update PACKAGE_ID (default: every installed package) to its latest version that is not yanked."""
    market = _market(url, license_key)
    with _client_errors():
        records = installed_mod.load_installed(installed_mod.home())
    if package_id is not None and package_id not in records:
        _exit(EXIT_INVALID, f"{package_id} is not installed.")
    ids = [package_id] if package_id else sorted(records)
    if not ids:
        click.echo("No packages installed.")
        return
    failures = 0
    for name in ids:
        with _client_errors():
            try:
                latest = install_mod.latest_version(market.detail(name))
                if latest is None:
                    raise install_mod.InstallError(f"{name} has no installable version.")
                current = records[name].version
                if install_mod.semver.Version.parse(latest) <= install_mod.semver.Version.parse(current):
                    click.echo(f"{name} {current} is up to date")
                    continue
                _install_one(market, name, latest, allow_downgrade=False, trust_new_key=trust_new_key)
            except install_mod.InstallError as exc:
                if len(ids) == 1:
                    raise
                failures += 1
                click.echo(f"Error: {name}: {exc}", err=True)
                for line in exc.details:
                    click.echo(f"  {line}", err=True)
    if failures:
        raise SystemExit(EXIT_INVALID)


@main.command()
@click.argument("package_id")
def uninstall(package_id: str) -> None:
    """Remove an installed package."""
    with _client_errors():
        record = install_mod.uninstall(package_id, home=installed_mod.home())
    click.echo(f"uninstalled {record.id} {record.version} from {installed_mod.home() / record.target}")


@main.command("verify-installed")
@click.argument("package_id", required=False)
def verify_installed(package_id: str | None) -> None:
    """Re-hash installed files against the recorded checksums; exit 1 on any difference."""
    home = installed_mod.home()
    with _client_errors():
        records = installed_mod.load_installed(home)
    if package_id is not None and package_id not in records:
        _exit(EXIT_INVALID, f"{package_id} is not installed.")
    selected = [records[package_id]] if package_id else [records[key] for key in sorted(records)]
    if not selected:
        click.echo("No packages installed.")
        return
    bad = 0
    for record in selected:
        with _client_errors():
            result = install_mod.verify_installed(record, home=home)
        if result.ok:
            click.echo(f"{record.id} {record.version}: OK ({len(record.files)} files)")
            continue
        bad += 1
        click.echo(f"{record.id} {record.version}: MODIFIED")
        for label, paths in (
            ("modified", result.modified),
            ("missing", result.missing),
            ("extra", result.extra),
        ):
            for path in paths:
                click.echo(f"  {label}: {path}")
        for note in result.notes:
            click.echo(f"  {note}")
    if bad:
        raise SystemExit(EXIT_INVALID)


@main.command("trust")
@click.option(
    "--root",
    "root_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A TUF root.json handed out by the marketplace's operator.",
)
@click.option("--url", default=None, help=_URL_HELP)
def trust_command(root_file: str, url: str | None) -> None:
    """Pin the marketplace's TUF root from a file instead of trusting the server's on first use.

    The root replaces any pinned before (and the metadata kept from it): use it when the operator
    hands out the root another way, or after the operator recovered from a compromise of the
    root keys (docs/operators.md, "After a compromise").
    """
    market = _market(url)
    try:
        data = Path(root_file).read_bytes()
    except OSError as exc:
        _exit(EXIT_USAGE, f"cannot read {root_file}: {exc.strerror}")
    with _client_errors():
        key_ids = trust.pin_root(market.url, data, home=installed_mod.home())
    click.echo(f"Pinned the TUF root for {market.url}; its root keys:")
    for key_id in key_ids:
        click.echo(f"  {key_id}")


@main.group("log")
def log_group() -> None:
    """The marketplace's transparency log."""


@log_group.command("verify")
@click.option("--url", default=None, help=_URL_HELP)
def log_verify(url: str | None) -> None:
    """Audit the whole transparency log from its tiles against its signed checkpoint.

    Every entry must hash to its tile, the tiles to the checkpoint's root, the checkpoint must be
    signed by the pinned log key and extend the last checkpoint this home saw; exit 1 otherwise.
    """
    market = _market(url)
    with _client_errors():
        audit = trust.audit_log(
            market.url, home=installed_mod.home(), notify=lambda message: click.echo(message, err=True)
        )
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(audit.kinds.items())) or "no entries"
    click.echo(f"log verified: {audit.size} entries ({kinds})")
    click.echo(f"root: {base64.b64encode(audit.root).decode()}")
