"""Only ``moderation/transitions.py`` writes the statuses that decide what customers can download.

The statuses (``docs/state-machines.md``): ``Package.status`` and ``published_at``,
``Submission.status``, ``Release.published_at`` and ``yanked``, ``BlockEntry.confirmed_at`` and
``lifted_at``, ``Report.status``, ``VerificationRequest.status`` and ``Publisher.verification``.
This test reads the source of every app and fails on any other place that assigns one of those
attributes, passes one as a keyword to a query's ``update``/``create`` or a model's constructor, or
sets it with ``setattr``. The few other models with a field of the same name (licenses, payments,
subscriptions, retro-hunts) are listed in :data:`OTHER_MODELS_FIELDS` by the variable that holds them.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("marketplace", "catalog", "publishing", "licensing", "moderation", "tokens")
OWNER = ROOT / "moderation" / "transitions.py"

#: Attribute names of the owned fields.
OWNED = frozenset({"status", "published_at", "yanked", "confirmed_at", "lifted_at", "verification"})
#: Models whose constructor may not be given an owned field.
OWNED_MODELS = frozenset(
    {"Package", "Submission", "Release", "BlockEntry", "Report", "VerificationRequest", "Publisher"}
)
#: ``(path, variable)`` pairs whose ``.status`` is another model's own status, not an owned one.
OTHER_MODELS_FIELDS = {
    ("licensing/licenses.py", "license"),
    ("licensing/licenses.py", "self"),  # LicenseError.status: an HTTP status.
    ("licensing/subscriptions.py", "subscription"),
    ("licensing/subscriptions.py", "payment"),
    ("licensing/webhooks.py", "payment"),
    ("moderation/retrohunt.py", "hunt"),
    ("publishing/services.py", "self"),  # SubmissionRejected.status: an HTTP status.
}
#: Models with a ``status`` of their own, whose queries may create or update it.
OTHER_MODELS = frozenset({"License", "Payment", "Subscription", "RetroHunt"})


def _sources() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and path != OWNER
    )


def _holder(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else ast.unparse(node)


def _root(node: ast.expr) -> str:
    """The name a chain of attributes and calls starts from (``Payment`` in ``Payment.objects.create``)."""
    while isinstance(node, (ast.Attribute, ast.Call)):
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return node.id if isinstance(node, ast.Name) else ""


def _targets(node: ast.AST):
    if isinstance(node, ast.Assign):
        for target in node.targets:
            yield from ast.walk(target)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        yield from ast.walk(node.target)


def writes_outside_the_owner(path: Path, tree: ast.AST) -> list[str]:
    """``path:line: what`` for every write of an owned field in ``tree``."""
    relative = str(path.relative_to(ROOT))
    found = []
    for node in ast.walk(tree):
        for target in _targets(node):
            if (
                isinstance(target, ast.Attribute)
                and target.attr in OWNED
                and (relative, _holder(target.value)) not in OTHER_MODELS_FIELDS
            ):
                found.append(f"{relative}:{target.lineno}: {ast.unparse(target)} = …")
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        keywords = {k.arg for k in node.keywords if k.arg} & OWNED
        if isinstance(func, ast.Attribute) and func.attr in ("update", "create", "update_or_create"):
            if keywords and _root(func) not in OTHER_MODELS:
                found.append(
                    f"{relative}:{node.lineno}: {ast.unparse(func)}({', '.join(sorted(keywords))}=…)"
                )
        elif isinstance(func, ast.Name) and func.id in OWNED_MODELS and keywords:
            found.append(f"{relative}:{node.lineno}: {func.id}({', '.join(sorted(keywords))}=…)")
        elif (
            isinstance(func, ast.Name)
            and func.id == "setattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in OWNED
        ):
            found.append(f"{relative}:{node.lineno}: setattr(…, {node.args[1].value!r}, …)")
    return found


def test_only_the_transitions_module_writes_the_statuses():
    found = []
    for path in _sources():
        found += writes_outside_the_owner(path, ast.parse(path.read_text(encoding="utf-8")))

    assert found == [], "status fields written outside moderation/transitions.py:\n" + "\n".join(found)


def test_the_check_finds_each_kind_of_write():
    """The scan itself must catch what it is for (so the test above cannot pass vacuously)."""
    code = """
package.status = "published"
release.yanked, other = True, 1
Submission.objects.filter(pk=1).update(status="approved")
Package(identifier="x", status="published")
setattr(entry, "lifted_at", now)
"""
    found = writes_outside_the_owner(ROOT / "catalog" / "example.py", ast.parse(code))

    assert [line.split(": ", 1)[0] for line in found] == [f"catalog/example.py:{n}" for n in (2, 3, 4, 5, 6)]
