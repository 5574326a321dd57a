"""Retro-hunts: run one scan rule over every release already published.

A new YARA rule (a fresh indicator of compromise) catches new uploads; a
retro-hunt finds the releases published before it existed. Staff start one
in the admin (:func:`retro_hunt_start`); a Celery task runs it
(:func:`retro_hunt_run`), reading each artifact from the ``packages``
storage through ``argent_pkg.read_archive`` (nothing is extracted)
and recording a ``RetroHuntMatch`` per matching member. Matches of a rule at
or above the hunt's ``report_severity`` also become one malware ``Report``
per package.
"""

from __future__ import annotations

import logging

import argent_pkg as pkgformat
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from catalog.models import Release
from marketplace.celery import enqueue_on_commit
from publishing.constants import SEVERITY_RANK, Severity
from publishing.models import ScanRule
from publishing.scanning import compile_rules
from publishing.scanning.base import MAX_EXCERPT_CHARS, Member
from publishing.scanning.secrets import mask_secrets
from publishing.scanning.yara_rules import CompiledRules, match_member
from publishing.services import package_limits

from . import tasks
from .constants import Action, HuntStatus, ReportReason
from .models import Report, RetroHunt, RetroHuntMatch
from .reports import report_create
from .services import DecisionError, audit_log

logger = logging.getLogger(__name__)

#: Statuses of a hunt that is neither finished nor failed.
ACTIVE = (HuntStatus.QUEUED, HuntStatus.RUNNING)


def _compile(rule: ScanRule) -> CompiledRules:
    compiled = compile_rules([rule])
    if compiled.rules is None:
        raise DecisionError(
            f"Rule {rule.name} does not compile: {compiled.errors.get(rule.name, 'unknown error')}"
        )
    return compiled


def _hunted_releases(hunt: RetroHunt):
    """The releases a hunt covers, in a stable order: those published when it was started."""
    return (
        Release.objects.published()
        .filter(published_at__lte=hunt.created_at)
        .select_related("package")
        .order_by("published_at", "pk")
    )


def retro_hunt_start(*, rule: ScanRule, report_severity: str, reviewer: AbstractBaseUser) -> RetroHunt:
    """Queue a retro-hunt of ``rule`` over every published release; logs ``retro-hunt``.

    The task ``moderation.tasks.retro_hunt_run`` is enqueued on commit.
    Disabled rules may be hunted (try a rule before enabling it).

    Raises:
        DecisionError: the rule does not compile, the severity is unknown, or
            a hunt of this rule is queued or running already.
    """
    if report_severity not in Severity.values:
        raise DecisionError(f"Unknown severity {report_severity!r}.")
    _compile(rule)
    with transaction.atomic():
        rule = ScanRule.objects.select_for_update().get(pk=rule.pk)
        if RetroHunt.objects.filter(rule=rule, status__in=ACTIVE).exists():
            raise DecisionError(f"A retro-hunt of {rule.name} is queued or running already.")
        hunt = RetroHunt.objects.create(rule=rule, report_severity=report_severity, started_by=reviewer)
        hunt.total = _hunted_releases(hunt).count()
        hunt.save(update_fields=["total"])
        audit_log(
            action=Action.RETRO_HUNT,
            reviewer=reviewer,
            note=f"Retro-hunt #{hunt.pk} of rule {rule.name} ({rule.severity}) over {hunt.total} "
            f"release(s); matches at {report_severity} or above become reports.",
            after=HuntStatus.QUEUED,
        )
        enqueue_on_commit(tasks.retro_hunt_run, hunt.pk)
    return hunt


def retro_hunt_resume(*, hunt: RetroHunt, reviewer: AbstractBaseUser) -> RetroHunt:
    """Enqueue a failed or stalled hunt again; it continues where it stopped. Logs ``retro-hunt``.

    Raises:
        DecisionError: the hunt is done.
    """
    with transaction.atomic():
        hunt = RetroHunt.objects.select_for_update(of=("self",)).select_related("rule").get(pk=hunt.pk)
        if hunt.status == HuntStatus.DONE:
            raise DecisionError(f"Retro-hunt #{hunt.pk} is done.")
        before = hunt.status
        hunt.status, hunt.error = HuntStatus.QUEUED, ""
        hunt.save(update_fields=["status", "error"])
        audit_log(
            action=Action.RETRO_HUNT,
            reviewer=reviewer,
            note=f"Retro-hunt #{hunt.pk} of rule {hunt.rule.name} resumed at {hunt.done}/{hunt.total}.",
            before=before,
            after=HuntStatus.QUEUED,
        )
        enqueue_on_commit(tasks.retro_hunt_run, hunt.pk)
    return hunt


def _matches(
    compiled: CompiledRules, rule: ScanRule, members: dict[str, bytes]
) -> list[tuple[str, int | None, str]]:
    """``(path, line, excerpt)`` of every member the rule matches, located as the scanner locates findings."""
    paths = frozenset(members)
    code = f"yara.{rule.name}"
    found = []
    for path, data in members.items():
        member = Member(path=path, data=data, paths=paths)
        for hit in match_member(compiled, member):
            if hit.code != code:
                logger.warning("Retro-hunt of %s: %s on %s", rule.name, hit.code, path)
                continue
            line, excerpt = None, ""
            if member.is_text and hit.offset is not None:
                line, text = member.line_at(hit.offset)
                excerpt = f"{path}:{line}: {mask_secrets(text.strip())[:MAX_EXCERPT_CHARS]}"
            found.append((path, line, excerpt))
    return found


def _hunt_release(*, hunt: RetroHunt, release: Release, compiled: CompiledRules, report: bool) -> int:
    """Scan one release and record its matches (idempotent); returns how many new match rows."""
    with storages["packages"].open(release.artifact.name, "rb") as fileobj:
        try:
            archive = pkgformat.read_archive(fileobj, limits=package_limits())
        except pkgformat.PackageInvalid as exc:
            logger.error("Retro-hunt %s: %s cannot be read: %s", hunt.pk, release, exc)
            return 0
    matches = _matches(compiled, hunt.rule, archive.members)
    created = 0
    with transaction.atomic():
        for path, line, excerpt in matches:
            _, new = RetroHuntMatch.objects.get_or_create(
                hunt=hunt, release=release, path=path[:300], defaults={"line": line, "excerpt": excerpt}
            )
            created += new
        if (
            matches
            and report
            and not Report.objects.filter(retro_hunt=hunt, package=release.package).exists()
        ):
            paths = ", ".join(path for path, _, _ in matches[:5])
            report_create(
                package=release.package,
                release=release,
                reporter=None,
                reason=ReportReason.MALWARE,
                description=f"Retro-hunt #{hunt.pk}: rule {hunt.rule.name} ({hunt.rule.severity}) matched "
                f"{release.version} in {paths}.",
                retro_hunt=hunt,
            )
    return created


def retro_hunt_run(*, hunt: RetroHunt) -> RetroHunt:
    """Run (or continue) a hunt: scan each covered release with the hunt's rule alone.

    Progress (``done``, ``matches``) is saved after every release, so the
    admin shows it and a rerun after a crash continues from ``done``; match
    rows are unique per hunt, release and path, and at most one report is
    filed per package per hunt, so a rerun duplicates nothing. A release
    whose artifact is not a valid package is logged and skipped. Storage
    errors propagate (the task retries).

    Raises:
        OSError (or a storage backend error): an artifact could not be read.
    """
    with transaction.atomic():
        hunt = RetroHunt.objects.select_for_update(of=("self",)).select_related("rule").get(pk=hunt.pk)
        if hunt.status == HuntStatus.DONE:
            return hunt
        try:
            compiled = _compile(hunt.rule)
        except DecisionError as exc:
            hunt.status, hunt.error, hunt.finished_at = HuntStatus.FAILED, str(exc), timezone.now()
            hunt.save(update_fields=["status", "error", "finished_at"])
            return hunt
        hunt.status = HuntStatus.RUNNING
        releases = list(_hunted_releases(hunt))
        hunt.total = len(releases)
        hunt.save(update_fields=["status", "total"])
    report = SEVERITY_RANK[hunt.rule.severity] >= SEVERITY_RANK[hunt.report_severity]
    for index in range(hunt.done, len(releases)):
        _hunt_release(hunt=hunt, release=releases[index], compiled=compiled, report=report)
        hunt.done = index + 1
        hunt.matches = hunt.found.count()
        hunt.save(update_fields=["done", "matches"])
    hunt.status, hunt.finished_at = HuntStatus.DONE, timezone.now()
    hunt.matches = hunt.found.count()
    hunt.save(update_fields=["status", "finished_at", "matches"])
    logger.info("Retro-hunt %s done: %s match(es) in %s release(s)", hunt.pk, hunt.matches, hunt.total)
    return hunt


def retro_hunt_fail(*, hunt: RetroHunt, error: str) -> RetroHunt:
    """Mark a hunt failed with ``error`` (the task ran out of time or retries); it can be resumed."""
    RetroHunt.objects.filter(pk=hunt.pk).exclude(status=HuntStatus.DONE).update(
        status=HuntStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )
    hunt.refresh_from_db()
    return hunt
