"""The one owner of every status that decides what customers can download.

Six state machines, declared here and nowhere else (``docs/state-machines.md``
is generated from them by ``python manage.py state_diagrams``):

=====================  ==========================================================
machine                field(s) it owns
=====================  ==========================================================
``listing``            ``catalog.Package.status`` (and ``published_at`` on first publication)
``submission``         ``publishing.Submission.status``
``release``            ``catalog.Release.published_at`` and ``yanked``
``block``              ``moderation.BlockEntry.confirmed_at`` and ``lifted_at``
``report``             ``moderation.Report.status``
``verification``       ``moderation.VerificationRequest.status`` and ``catalog.Publisher.verification``
=====================  ==========================================================

Each :class:`Transition` says which states it leaves from, which state it
enters, who may take it (a permission of the Reviewers or Senior reviewers
groups, the publisher's members, the system), what must hold first (its
guards) and whether it writes an audit ``Decision`` and e-mails the
publisher. Every entry point (admin actions and the decision form, the staff
API, the upload service, the automatic policy after the scan, reports and
trusted-reporter quarantine, the blocklist, retro-hunts, verification
requests) goes through :func:`check`, :func:`take` or :func:`follow`, and
:func:`available` answers "what may this user do to this object now". A test
(``tests/moderation/test_status_owner.py``) fails when code outside this
module writes one of the fields above.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from catalog.constants import ListingStatus
from catalog.models import Package, Publisher, Release
from licensing.connect import can_sell
from licensing.fees import PAID_PRICING
from marketplace.celery import enqueue_on_commit
from publishing.constants import CHECKING_STATUSES, SubmissionStatus
from publishing.models import Submission
from publishing.status_owner import Refused
from repository import services as tuf
from transparency import services as log_events

from . import tasks
from .constants import QUARANTINE_REASON, Action, BlockSeverity, ReportStatus, RequestStatus
from .models import BlockEntry, Decision, Report, VerificationRequest
from .roles import ROLE_PERMISSIONS

#: The pseudo-state before an object exists (a creation is a transition from here).
INITIAL = "[*]"
#: The target of a transition that keeps the state (a flag, an update of a published listing).
SAME = "(same)"
#: The target of a transition back to what a listing's releases make it (see :func:`listing_settled_status`).
SETTLED = "(settled)"

#: Who may take a transition, besides the holders of its permission.
SYSTEM = "system"
PUBLISHER = "publisher"


class DecisionError(Refused):
    """A transition (or a decision that takes one) is refused.

    ``str()`` says why in words for the person who asked; ``code`` names the
    rule (``docs/error-codes.md``): ``permission.denied``, ``package.suspended``,
    ``package.blocked``, ``submission.checks_running``, ``submission.not_decidable``,
    ``note.required`` and the others listed in ``docs/state-machines.md``.
    """


@dataclass(frozen=True)
class Guard:
    """A condition a transition needs besides its source state.

    ``refuses(obj, actor)`` returns the refusal in words, or None when the condition holds.
    """

    code: str
    rule: str
    refuses: Callable[[Any, AbstractBaseUser | None], str | None]


@dataclass(frozen=True)
class Transition:
    """One move of a machine: from ``sources`` to ``target``, by whom, under which guards.

    ``action`` is the audit action written as one ``Decision`` (None: the
    transition is part of another that is logged, or the scan findings are its
    record); ``notify`` e-mails the publisher's members about that decision
    through ``moderation.tasks.decision_notify``.
    """

    machine: str
    name: str
    label: str
    sources: frozenset[str]
    target: str
    permission: str | None = None
    who: frozenset[str] = frozenset()
    guards: tuple[Guard, ...] = ()
    action: str | None = None
    notify: bool = False

    @property
    def key(self) -> str:
        return f"{self.machine}:{self.name}"


@dataclass(frozen=True)
class Machine:
    """A status, where it is stored, and how it is read and written."""

    name: str
    model: type
    fields: tuple[str, ...]
    states: tuple[str, ...]
    #: The object's current state.
    state: Callable[[Any], str]
    #: Writes the fields for a target state (``(obj, target, actor)``); returns the fields written.
    write: Callable[[Any, str, AbstractBaseUser | None], list[str]]
    #: ``(code, words)`` when a transition does not leave from the object's state.
    wrong_state: Callable[[Any, Transition], tuple[str, str]]
    #: The publisher whose members count as the ``publisher`` role for the object.
    publisher: Callable[[Any], Publisher | None]
    #: The ``Decision`` columns naming the object.
    links: Callable[[Any], dict[str, Any]]
    transitions: dict[str, Transition] = field(default_factory=dict)


# --- guards ---------------------------------------------------------------------------------------


def hard_block_in_force(package_id: int) -> bool:
    """Whether a confirmed, unlifted hard block covers the package or any of its releases."""
    return BlockEntry.objects.filter(
        package_id=package_id,
        severity=BlockSeverity.HARD,
        confirmed_at__isnull=False,
        lifted_at__isnull=True,
    ).exists()


def _package_of(obj) -> Package:
    return obj if isinstance(obj, Package) else obj.package


def _not_blocked(obj, actor=None) -> str | None:
    package = _package_of(obj)
    if hard_block_in_force(package.pk):
        return f"{package.identifier} is blocked: a hard block is in force until a senior reviewer lifts it."
    return None


def _not_suspended(obj, actor=None) -> str | None:
    package = _package_of(obj)
    if package.status == ListingStatus.SUSPENDED:
        return (
            f"{package.identifier} is suspended; only a senior reviewer's unsuspend brings it back"
            f"{': ' + package.status_reason if package.status_reason else '.'}"
        )
    return None


def _checks_finished(submission: Submission, actor=None) -> str | None:
    if submission.checked_at is None:
        return f"Submission #{submission.pk} is still being checked; decide once the scan has finished."
    return None


def _can_take_payments(submission: Submission, actor=None) -> str | None:
    if submission.release.listing.get("pricing") not in PAID_PRICING:
        return None
    can, why = can_sell(submission.publisher)
    return None if can else why


def _other_reviewer(entry: BlockEntry, actor: AbstractBaseUser | None) -> str | None:
    if actor is not None and entry.requested_by_id == actor.pk:
        return "A block must be confirmed by a reviewer other than the one who requested it."
    return None


def _is_lone_quarantine(package: Package, actor=None) -> str | None:
    if package.status != ListingStatus.SUSPENDED or package.status_reason != QUARANTINE_REASON:
        return f"{package.identifier} is not quarantined."
    others = Report.objects.filter(package=package, status=ReportStatus.OPEN, quarantined=True)
    if others.exists():
        return f"Another open report keeps {package.identifier} quarantined."
    return _not_blocked(package)


NOT_BLOCKED = Guard(
    "package.blocked",
    "no hard block of the package or one of its releases is in force",
    _not_blocked,
)
NOT_SUSPENDED = Guard("package.suspended", "the listing is not suspended", _not_suspended)
CHECKS_FINISHED = Guard(
    "submission.checks_running", "the signature check and the scan have finished", _checks_finished
)
CAN_TAKE_PAYMENTS = Guard(
    "payments.not_ready",
    "a paid release needs a publisher whose connected account can take charges",
    _can_take_payments,
)
LONE_QUARANTINE = Guard(
    "package.not_quarantined",
    "the suspension is a trusted reporter's quarantine that no other open report or hard block holds",
    _is_lone_quarantine,
)
OTHER_REVIEWER = Guard(
    "block.same_reviewer", "the reviewer is not the one who requested the block", _other_reviewer
)


# --- machines: reading and writing the fields -----------------------------------------------------


def listing_settled_status(package: Package) -> str:
    """What a listing is when no moderation action holds it: published with a published release,
    else in review while a submission is, else a draft."""
    if package.releases.published().exists():
        return ListingStatus.PUBLISHED
    if package.submissions.filter(status=SubmissionStatus.IN_REVIEW).exists():
        return ListingStatus.IN_REVIEW
    return ListingStatus.DRAFT


def _write_listing(package: Package, target: str, actor) -> list[str]:
    package.status = target
    written = ["status", "updated_at"]
    if target == ListingStatus.PUBLISHED and package.published_at is None:
        latest = package.latest_release
        package.published_at = latest.published_at if latest and latest.published_at else timezone.now()
        written.append("published_at")
    return written


def _listing_wrong_state(package: Package, transition: Transition) -> tuple[str, str]:
    state = package.status
    if state == ListingStatus.SUSPENDED and hard_block_in_force(package.pk):
        state = "blocked"
    allowed = " or ".join(sorted(transition.sources))
    return (
        f"package.{state}",
        f"{package.identifier} is {state}, not {allowed}: cannot {_lower(transition.label)}.",
    )


def _write_submission(submission: Submission, target: str, actor) -> list[str]:
    submission.status = target
    return ["status", "updated_at"]


def _submission_wrong_state(submission: Submission, transition: Transition) -> tuple[str, str]:
    if submission.status in CHECKING_STATUSES:
        return "submission.checks_running", _checks_finished(submission) or "The checks are running."
    return (
        "submission.not_decidable",
        f"Submission #{submission.pk} is {submission.get_status_display().lower()}.",
    )


def _submission_links(submission: Submission) -> dict[str, Any]:
    return {
        "submission": submission,
        "package": submission.package,
        "release": submission.release,
        "publisher": submission.publisher,
    }


def release_state(release: Release) -> str:
    """``unpublished`` (awaiting approval), ``published`` or ``yanked``."""
    if release.published_at is None:
        return "unpublished"
    return "yanked" if release.yanked else "published"


def _write_release(release: Release, target: str, actor) -> list[str]:
    if target == "published":
        release.published_at = timezone.now()
        return ["published_at"]
    release.yanked = True
    return ["yanked"]


def block_state(entry: BlockEntry) -> str:
    """``requested`` (awaiting a second reviewer), ``confirmed`` (in force) or ``lifted``."""
    if entry.lifted_at is not None:
        return "lifted"
    return "confirmed" if entry.confirmed_at is not None else "requested"


def _write_block(entry: BlockEntry, target: str, actor) -> list[str]:
    if target == "confirmed":
        entry.confirmed_at, entry.confirmed_by = timezone.now(), actor
        return ["confirmed_at", "confirmed_by"]
    entry.lifted_at, entry.lifted_by = timezone.now(), actor
    return ["lifted_at", "lifted_by"]


def _write_report(report: Report, target: str, actor) -> list[str]:
    report.status, report.resolved_by, report.resolved_at = target, actor, timezone.now()
    return ["status", "resolved_by", "resolved_at"]


def _write_verification(request: VerificationRequest, target: str, actor) -> list[str]:
    request.status, request.decided_by, request.decided_at = target, actor, timezone.now()
    if target == RequestStatus.GRANTED:
        publisher = request.publisher
        publisher.verification = request.requested_level
        publisher.save(update_fields=["verification", "updated_at"])
    return ["status", "decided_by", "decided_at"]


def _release_wrong_state(release: Release, transition: Transition) -> tuple[str, str]:
    current = release_state(release)
    if current == "unpublished":
        return "release.not_published", f"{release} is not published."
    return f"release.{current}", f"{release} is {current} already."


def _simple_wrong_state(prefix: str, state: Callable[[Any], str]):
    """Wrong-state refusals of machines whose objects only move forward: ``<prefix>.<state>``."""

    def wrong_state(obj, transition: Transition) -> tuple[str, str]:
        current = state(obj)
        return f"{prefix}.{current}", f"{obj._meta.verbose_name.capitalize()} #{obj.pk} is {current} already."

    return wrong_state


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:]


L = ListingStatus
S = SubmissionStatus
#: Listing states in which the listing is not held by a moderation action.
_NOT_PUBLISHED_YET = frozenset({L.DRAFT, L.SUBMITTED, L.IN_REVIEW, L.REJECTED})
_PUBLIC = frozenset({L.PUBLISHED, L.DEPRECATED, L.UNLISTED})
_DECIDABLE = frozenset({S.PENDING, S.SCANNING, S.IN_REVIEW})
_MODERATE = "catalog.moderate_package"
_DECIDE = "publishing.decide_submission"

MACHINES: dict[str, Machine] = {
    "listing": Machine(
        name="listing",
        model=Package,
        fields=("status", "published_at"),
        states=(
            L.DRAFT,
            L.SUBMITTED,
            L.IN_REVIEW,
            L.PUBLISHED,
            L.REJECTED,
            L.SUSPENDED,
            L.DEPRECATED,
            L.UNLISTED,
        ),
        state=lambda package: package.status,
        write=_write_listing,
        wrong_state=_listing_wrong_state,
        publisher=lambda package: package.publisher,
        links=lambda package: {"package": package, "publisher": package.publisher},
    ),
    "submission": Machine(
        name="submission",
        model=Submission,
        fields=("status",),
        states=tuple(S.values),
        state=lambda submission: submission.status,
        write=_write_submission,
        wrong_state=_submission_wrong_state,
        publisher=lambda submission: submission.publisher,
        links=_submission_links,
    ),
    "release": Machine(
        name="release",
        model=Release,
        fields=("published_at", "yanked"),
        states=("unpublished", "published", "yanked"),
        state=release_state,
        write=_write_release,
        wrong_state=_release_wrong_state,
        publisher=lambda release: release.package.publisher,
        links=lambda release: {"release": release, "package": release.package},
    ),
    "block": Machine(
        name="block",
        model=BlockEntry,
        fields=("confirmed_at", "lifted_at"),
        states=("requested", "confirmed", "lifted"),
        state=block_state,
        write=_write_block,
        wrong_state=_simple_wrong_state("block", block_state),
        publisher=lambda entry: None,
        links=lambda entry: {"package": entry.package, "release": entry.release},
    ),
    "report": Machine(
        name="report",
        model=Report,
        fields=("status",),
        states=tuple(ReportStatus.values),
        state=lambda report: report.status,
        write=_write_report,
        wrong_state=_simple_wrong_state("report", lambda report: report.status),
        publisher=lambda report: None,
        links=lambda report: {"package": report.package, "release": report.release},
    ),
    "verification": Machine(
        name="verification",
        model=VerificationRequest,
        fields=("status", "Publisher.verification"),
        states=tuple(RequestStatus.values),
        state=lambda request: request.status,
        write=_write_verification,
        wrong_state=_simple_wrong_state("verification", lambda request: request.status),
        publisher=lambda request: request.publisher,
        links=lambda request: {"publisher": request.publisher},
    ),
}


def _declare(*transitions: Transition) -> None:
    for transition in transitions:
        MACHINES[transition.machine].transitions[transition.name] = transition


def _t(machine: str, name: str, label: str, sources: Iterable[str], target: str, **options) -> Transition:
    return Transition(
        machine=machine, name=name, label=label, sources=frozenset(sources), target=target, **options
    )


_declare(
    # --- listing: the upload path (the publisher's members) -------------------------------------------
    _t("listing", "submit", "Upload a version of a package not yet published", _NOT_PUBLISHED_YET, L.SUBMITTED,
       who=frozenset({PUBLISHER, SYSTEM}), guards=(NOT_BLOCKED,)),
    _t("listing", "update", "Upload a new version of a published package", _PUBLIC, SAME,
       who=frozenset({PUBLISHER, SYSTEM}), guards=(NOT_BLOCKED,)),
    # --- listing: what follows the checks and decisions ----------------------------------------------
    _t("listing", "checked", "The checks of its first version finished", {L.SUBMITTED}, L.IN_REVIEW,
       who=frozenset({SYSTEM})),
    _t("listing", "publish", "Its first version is approved", _NOT_PUBLISHED_YET, L.PUBLISHED,
       who=frozenset({SYSTEM}), guards=(NOT_BLOCKED,)),
    _t("listing", "refuse", "Its only version is rejected", _NOT_PUBLISHED_YET, L.REJECTED, who=frozenset({SYSTEM})),
    _t("listing", "return", "Changes are requested of its only version", _NOT_PUBLISHED_YET, L.DRAFT,
       who=frozenset({SYSTEM})),
    # --- listing: moderation -------------------------------------------------------------------------
    _t("listing", "suspend", "Suspend the listing", set(MACHINES["listing"].states) - {L.SUSPENDED}, L.SUSPENDED,
       permission=_MODERATE, action=Action.SUSPEND, notify=True),
    _t("listing", "block", "Suspend the listing for a confirmed hard block",
       set(MACHINES["listing"].states) - {L.SUSPENDED}, L.SUSPENDED,
       who=frozenset({SYSTEM}), action=Action.SUSPEND, notify=True),
    _t("listing", "quarantine", "Quarantine after a trusted reporter's report", _PUBLIC, L.SUSPENDED,
       who=frozenset({SYSTEM}), action=Action.QUARANTINE, notify=True),
    _t("listing", "unsuspend", "Lift the suspension", {L.SUSPENDED}, SETTLED,
       permission="catalog.unsuspend_package", guards=(NOT_BLOCKED,), action=Action.UNSUSPEND, notify=True),
    _t("listing", "lift_quarantine", "Lift a quarantine when its report is dismissed", {L.SUSPENDED}, SETTLED,
       permission="moderation.change_report", guards=(LONE_QUARANTINE,), action=Action.QUARANTINE_LIFT,
       notify=True),
    _t("listing", "deprecate", "Deprecate the listing", {L.PUBLISHED, L.UNLISTED, L.DEPRECATED}, L.DEPRECATED,
       permission=_MODERATE, action=Action.DEPRECATE, notify=True),
    _t("listing", "unlist", "Unlist the listing", {L.PUBLISHED, L.DEPRECATED}, L.UNLISTED,
       permission=_MODERATE, action=Action.UNLIST, notify=True),
    _t("listing", "relist", "List it again (undo deprecate or unlist)", {L.DEPRECATED, L.UNLISTED}, L.PUBLISHED,
       permission=_MODERATE, action=Action.RELIST, notify=True),
    # --- submission ----------------------------------------------------------------------------------
    _t("submission", "start_checks", "The verification task starts", {S.PENDING, S.SCANNING}, S.SCANNING,
       who=frozenset({SYSTEM})),
    _t("submission", "checks_passed", "The checks finished", {S.PENDING, S.SCANNING}, S.IN_REVIEW,
       who=frozenset({SYSTEM})),
    _t("submission", "checks_failed", "The stored file no longer verifies", {S.PENDING, S.SCANNING}, S.REJECTED,
       who=frozenset({SYSTEM})),
    _t("submission", "approve", "Approve and publish", {S.IN_REVIEW}, S.APPROVED,
       permission=_DECIDE, who=frozenset({SYSTEM}), guards=(CHECKS_FINISHED, NOT_BLOCKED, NOT_SUSPENDED,
                                                            CAN_TAKE_PAYMENTS),
       action=Action.APPROVE, notify=True),
    _t("submission", "reject", "Reject", _DECIDABLE, S.REJECTED, permission=_DECIDE, action=Action.REJECT,
       notify=True),
    _t("submission", "request_changes", "Request changes", _DECIDABLE, S.CHANGES_REQUESTED, permission=_DECIDE,
       action=Action.REQUEST_CHANGES, notify=True),
    _t("submission", "flag", "Flag for a senior reviewer", _DECIDABLE, SAME, permission=_DECIDE,
       action=Action.FLAG),
    # --- release -------------------------------------------------------------------------------------
    _t("release", "publish", "Its submission is approved", {"unpublished"}, "published", who=frozenset({SYSTEM})),
    _t("release", "yank", "Yank the release", {"published"}, "yanked", permission=_MODERATE, action=Action.YANK,
       notify=True),
    # --- block ---------------------------------------------------------------------------------------
    _t("block", "request", "Request a block", {INITIAL}, "requested", permission="moderation.add_blockentry",
       action=Action.BLOCK_REQUEST),
    _t("block", "confirm", "Confirm another reviewer's block", {"requested"}, "confirmed",
       permission="moderation.confirm_blockentry", guards=(OTHER_REVIEWER,), action=Action.BLOCK_CONFIRM),
    _t("block", "lift", "Lift the block (or withdraw the request)", {"requested", "confirmed"}, "lifted",
       permission="moderation.change_blockentry", action=Action.BLOCK_LIFT),
    # --- report --------------------------------------------------------------------------------------
    _t("report", "action", "Mark the report actioned", {ReportStatus.OPEN}, ReportStatus.ACTIONED,
       permission="moderation.change_report", action=Action.REPORT_RESOLVE),
    _t("report", "dismiss", "Dismiss the report", {ReportStatus.OPEN}, ReportStatus.DISMISSED,
       permission="moderation.change_report", action=Action.REPORT_RESOLVE),
    # --- verification requests -----------------------------------------------------------------------
    _t("verification", "request", "Request a verification level", {INITIAL}, RequestStatus.PENDING,
       who=frozenset({PUBLISHER})),
    _t("verification", "grant", "Grant the requested level", {RequestStatus.PENDING}, RequestStatus.GRANTED,
       permission="moderation.change_verificationrequest", action=Action.VERIFICATION_GRANT),
    _t("verification", "refuse", "Refuse the request", {RequestStatus.PENDING}, RequestStatus.REFUSED,
       permission="moderation.change_verificationrequest", action=Action.VERIFICATION_REFUSE),
)  # fmt: skip


# --- effects: what a transition also records, in its transaction --------------------------------


def _block_targets_changed(entry: BlockEntry) -> None:
    release_ids, package_ids = ([entry.release_id], []) if entry.release_id else ([], [entry.package_id])
    tuf.changed(release_ids=release_ids, package_ids=package_ids, blocklist=True)


def _release_targets_changed(release: Release) -> None:
    """A new release joins the targets; under a whole-package block in force (a soft one lets the author
    publish) it is blocked from the start, so the blocklist target is regenerated with it."""
    under_block = BlockEntry.objects.filter(
        package_id=release.package_id,
        release__isnull=True,
        confirmed_at__isnull=False,
        lifted_at__isnull=True,
    ).exists()
    tuf.changed(release_ids=[release.pk], blocklist=under_block)


def _block_lifted(entry: BlockEntry, left: str) -> None:
    if left == "confirmed":  # A withdrawn request was never in force: nothing to log.
        log_events.block_lifted(entry)
    _block_targets_changed(entry)


#: Transition key -> callables ``effect(obj, left_state)`` run by :func:`take` after the state is
#: written, in the same transaction: the transparency log's entries (docs/operators.md, "The
#: transparency log") and the TUF targets that follow what customers may download
#: (``repository.services.changed``; docs/operators.md, "The TUF repository"). The log's entry comes
#: first, so the release's ``log_index`` is written before the targets are regenerated.
EFFECTS: dict[str, tuple[Callable[[Any, str], Any], ...]] = {
    "release:publish": (
        lambda release, left: log_events.release_published(release),
        lambda release, left: _release_targets_changed(release),
    ),
    "release:yank": (
        lambda release, left: log_events.release_yanked(release),
        lambda release, left: tuf.changed(release_ids=[release.pk]),
    ),
    "block:confirm": (
        lambda block, left: log_events.block_added(block),
        lambda block, left: _block_targets_changed(block),
    ),
    "block:lift": (_block_lifted,),
    # A listing's downloads stop while it is suspended (whatever the reason) and answer again when it
    # is lifted: its releases leave the TUF targets and come back with it.
    **{
        f"listing:{name}": (lambda package, left: tuf.changed(package_ids=[package.pk]),)
        for name in ("suspend", "block", "quarantine", "unsuspend", "lift_quarantine")
    },
}


# --- the engine -----------------------------------------------------------------------------------


def transition(key: str) -> Transition:
    """The transition named ``machine:name`` (e.g. ``"listing:suspend"``).

    Raises:
        KeyError: no such transition.
    """
    machine, name = key.split(":", 1)
    return MACHINES[machine].transitions[name]


def _may(t: Transition, obj, actor: AbstractBaseUser | None) -> bool:
    if actor is None:
        return SYSTEM in t.who
    if t.permission and actor.is_active and actor.has_perm(t.permission):
        return True
    if PUBLISHER in t.who:
        publisher = MACHINES[t.machine].publisher(obj)
        return publisher is not None and publisher.has_member(actor)
    return False


def check(key: str, obj, *, actor: AbstractBaseUser | None, created: bool = False) -> Transition:
    """Refuse unless ``actor`` (None: the system) may take transition ``key`` on ``obj`` now.

    ``created``: the object is being created (the transition leaves from :data:`INITIAL`).

    Returns:
        the transition.

    Raises:
        DecisionError: with ``code`` ``permission.denied`` (the actor's role may not), the
            machine's wrong-state code (``package.suspended``, ``submission.not_decidable`` …),
            or the code of the first guard that refuses.
    """
    t = transition(key)
    machine = MACHINES[t.machine]
    if not _may(t, obj, actor):
        who = " or ".join(sorted(roles_of(t))) or "nobody"
        raise DecisionError(f"You may not {_lower(t.label)}: that is for {who}.", code="permission.denied")
    state = INITIAL if created else machine.state(obj)
    if state not in t.sources:
        code, words = machine.wrong_state(obj, t)
        raise DecisionError(words, code=code)
    for guard in t.guards:
        refusal = guard.refuses(obj, actor)
        if refusal:
            raise DecisionError(refusal, code=guard.code)
    return t


def allowed(key: str, obj, *, actor: AbstractBaseUser | None) -> bool:
    """Whether :func:`check` would let ``actor`` take ``key`` on ``obj`` now."""
    try:
        check(key, obj, actor=actor)
    except DecisionError:
        return False
    return True


def available(obj, actor: AbstractBaseUser | None) -> list[Transition]:
    """The transitions ``actor`` may take on ``obj`` now, in declaration order.

    What the admin shows as buttons and what the staff API accepts (as
    addons-server's ``ReviewHelper`` actions); the rest answer 409 with the rule.
    """
    machine = next(m for m in MACHINES.values() if isinstance(obj, m.model))
    return [t for t in machine.transitions.values() if allowed(t.key, obj, actor=actor)]


def take(
    key: str,
    obj,
    *,
    actor: AbstractBaseUser | None,
    note: str = "",
    values: dict[str, Any] | None = None,
    created: bool = False,
    recorded_reviewer: AbstractBaseUser | None = None,
    about: dict[str, Any] | None = None,
) -> Decision | None:
    """Take transition ``key`` on ``obj``: check it, write the state, log one ``Decision``, notify.

    Call it inside ``transaction.atomic()`` with ``obj`` locked
    (``select_for_update``) by the caller. ``values`` are other fields of
    ``obj`` written with the state (a reason, a note, who decided); they may
    not include the fields the machine owns. ``recorded_reviewer`` is the
    person the audit row names when the system acts on their behalf (the
    reviewer whose confirmation of a hard block suspends the listing).
    ``about`` names more objects in the audit row (the release a report is about).

    Returns:
        the audit row, or None for transitions that log nothing of their own.

    Raises:
        DecisionError: see :func:`check`; nothing is written then.
    """
    t = check(key, obj, actor=actor, created=created)
    machine = MACHINES[t.machine]
    left = INITIAL if created else machine.state(obj)
    written: list[str] = []
    if not created:
        target = (
            left if t.target == SAME else listing_settled_status(obj) if t.target == SETTLED else t.target
        )
        if target != left or t.target != SAME:
            written += machine.write(obj, target, actor)
    for name, value in (values or {}).items():
        if name in machine.fields:
            raise ValueError(f"{name} is written by the {t.machine} machine alone.")
        setattr(obj, name, value)
        written.append(name)
    if created:
        obj.save()  # A new row, in the machine's first state (the fields' defaults).
    elif written:
        obj.save(update_fields=list(dict.fromkeys(written)))
    for effect in EFFECTS.get(key, ()):
        effect(obj, left)
    if t.action is None:
        return None
    decision = audit_log(
        action=t.action,
        reviewer=actor or recorded_reviewer,
        note=note,
        before="" if left == INITIAL else left,
        after=machine.state(obj),
        **{**machine.links(obj), **(about or {})},
    )
    if t.notify:
        enqueue_on_commit(tasks.decision_notify, decision.pk)
    return decision


def follow(key: str, obj, *, note: str = "") -> Decision | None:
    """Take system transition ``key`` when ``obj``'s state and guards allow it; else do nothing.

    For what follows another decision (a listing published by the approval of
    its first version, moved to review when its checks finish).
    """
    if not allowed(key, obj, actor=None):
        return None
    return take(key, obj, actor=None, note=note)


def audit_log(
    *,
    action: str,
    reviewer: AbstractBaseUser | None,
    note: str = "",
    submission: Submission | None = None,
    package: Package | None = None,
    release: Release | None = None,
    publisher: Publisher | None = None,
    before: str = "",
    after: str = "",
) -> Decision:
    """Append one entry to the audit log (who, when, what, note, status before and after).

    Every transition with an ``action`` writes exactly one entry through this
    function, and so do moderation actions that change no status (a
    retro-hunt, hiding a review); entries are never edited. ``reviewer`` is
    None for the system.
    """
    return Decision.objects.create(
        action=action,
        reviewer=reviewer,
        note=note,
        submission=submission,
        package=package or (submission.package if submission else None),
        release=release or (submission.release if submission else None),
        publisher=publisher or (submission.publisher if submission else None),
        status_before=before,
        status_after=after,
    )


# --- who ------------------------------------------------------------------------------------------


def roles_of(t: Transition) -> list[str]:
    """The roles that may take ``t``: the groups holding its permission, the publisher, the system."""
    roles = [group for group, perms in ROLE_PERMISSIONS.items() if t.permission in perms]
    if PUBLISHER in t.who:
        roles.append("the publisher's members")
    if SYSTEM in t.who:
        roles.append("the system")
    return roles
