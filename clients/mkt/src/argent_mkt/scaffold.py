"""``mkt init``: the files of a new package, made from a handful of answers.

The manifest is validated with :func:`~argent_pkg.manifest.validate_manifest`
before anything is written, so a scaffold always builds once the author has a key.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from argent_pkg.manifest import MANIFEST_NAME, Manifest, validate_manifest

__all__ = [
    "Answers",
    "default_id",
    "developing_text",
    "manifest_data",
    "readme_text",
    "scaffold_files",
    "write_files",
]

#: The author's notes: build and publish steps. ``mkt build`` leaves it out of the package
#: (``argent_pkg.builder.SKIPPED_ROOT_FILES``), so customers never see it.
DEVELOPING_NAME = "DEVELOPING.md"

_ID_RE = re.compile(r"[^a-z0-9-]+")
# Any valid key: ``mkt build`` writes the real one into ``author.publicKey``.
_PLACEHOLDER_KEY = base64.b64encode(bytes(32)).decode("ascii")


def default_id(directory: Path) -> str:
    """A package identifier made from a directory name (``My Plugin`` -> ``my-plugin``)."""
    name = _ID_RE.sub("-", directory.resolve().name.lower()).strip("-")
    name = re.sub(r"-{2,}", "-", name)[:64].strip("-")
    return name or "my-package"


@dataclass
class Answers:
    """What ``mkt init`` asks for."""

    id: str
    name: str
    version: str = "0.1.0"
    kind: str = "plugin"
    category: str = "other"
    description: str = ""
    license: str | None = "MIT"
    author: str | None = None
    permissions: list[str] = field(default_factory=list)


def manifest_data(answers: Answers) -> dict[str, object]:
    """The manifest dict for ``answers`` (no ``author.publicKey``: ``mkt build`` adds it)."""
    data: dict[str, object] = {
        "id": answers.id,
        "name": answers.name,
        "version": answers.version,
        "description": answers.description,
        "kind": answers.kind,
        "category": answers.category,
    }
    if answers.author:
        data["author"] = {"name": answers.author}
    if answers.license:
        data["license"] = answers.license
    data["pricing"] = "free"
    data["permissions"] = list(answers.permissions)
    return data


def _permission_lines(permissions: list[str]) -> str:
    if not permissions:
        return "This package asks for no permissions: it cannot reach the network, run programs or write files.\n"
    lines = "".join(f"- `{permission}`\n" for permission in permissions)
    return f"ArgentOS asks you to allow these before the package runs:\n\n{lines}"


def readme_text(answers: Answers) -> str:
    """The README customers read on the listing: what it does, install, configuration, permissions.

    Written for customers only: the author's build and publish steps go to ``DEVELOPING.md``
    (:func:`developing_text`), which is not packaged.
    """
    return (
        f"# {answers.name}\n\n{answers.description}\n\n"
        "## What it does\n\n"
        "<!-- Describe what the package adds to ArgentOS, with an example. -->\n"
        f"{answers.name} is a {answers.kind} for ArgentOS.\n\n"
        "## Install\n\n"
        f"```sh\nmkt install {answers.id}\n```\n\n"
        f"Update it later with `mkt update {answers.id}`.\n\n"
        "## Configuration\n\n"
        "<!-- List the settings a customer can change, and their defaults. -->\n"
        "Nothing to configure.\n\n"
        "## Permissions\n\n"
        f"{_permission_lines(answers.permissions)}"
    )


def developing_text(answers: Answers) -> str:
    """The author's notes (``DEVELOPING.md``): build, sign and publish; never packaged."""
    return (
        f"# Developing {answers.name}\n\n"
        "Notes for the package's authors. `mkt build` leaves this file out of the package; customers\n"
        "read `README.md` on the listing.\n\n"
        "## Build and publish\n\n"
        "```sh\nmkt keygen --out ~/.config/mkt/signing.key   # once; register the public key\n"
        "mkt build . --key ~/.config/mkt/signing.key\n"
        f"mkt publish {answers.id}-{answers.version}.argent-pkg\n```\n"
    )


def _kind_files(answers: Answers) -> dict[str, str]:
    """Members a kind needs to be recognised (docs/package-format.md, "Files at the root")."""
    if answers.kind == "connector":
        return {"connector.json": json.dumps({"name": answers.id, "tools": []}, indent=2) + "\n"}
    if answers.kind == "skill":
        return {
            f"skills/{answers.id}/SKILL.md": f"---\nname: {answers.id}\ndescription: {answers.description}\n"
            f"---\n\n# {answers.name}\n"
        }
    return {}


def scaffold_files(answers: Answers) -> tuple[dict[str, str], Manifest]:
    """The files to write, path -> text, and the validated manifest.

    Raises:
        PackageInvalid: when the answers make an invalid manifest (every problem).
    """
    data = manifest_data(answers)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    files = {
        MANIFEST_NAME: text,
        "README.md": readme_text(answers),
        DEVELOPING_NAME: developing_text(answers),
        **_kind_files(answers),
    }
    # Validate what ``mkt build`` will see: the manifest with the author's key in it.
    built = json.loads(text)
    author = built.get("author") if isinstance(built.get("author"), dict) else {}
    built["author"] = {**author, "publicKey": _PLACEHOLDER_KEY}
    packaged = {path: b"" for path in files if path != DEVELOPING_NAME}
    manifest = validate_manifest(json.dumps(built).encode("utf-8"), member_paths=packaged)
    return files, manifest


def existing(directory: Path, paths: Iterable[str]) -> list[str]:
    """The paths among ``paths`` that already exist under ``directory``."""
    return [path for path in paths if (directory / path).exists()]


def write_files(directory: Path, files: dict[str, str]) -> list[Path]:
    """Write ``files`` under ``directory`` (created when missing); return the paths written."""
    written = []
    for relative, text in files.items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
