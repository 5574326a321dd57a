"""The reviewer console's moderation queue: submissions with their findings, manifest and diff, and decisions.

Every decision (the action bar, or the decision form on a submission's page) calls one
``moderation.services`` function; the page offers only the decisions
``moderation.transitions.available`` allows the reviewer now, and says why approve is not offered.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from catalog.permissions import explain_permissions
from marketplace.admin import ReadOnlyAdmin, yes_no
from publishing.constants import SEVERITY_RANK, Severity, SubmissionStatus
from publishing.models import ScanFinding, Submission
from publishing.queue import AWAITING, due_at, is_overdue
from publishing.queue import position as queue_position

from .. import review, transitions
from .. import services as moderation
from ..models import CannedReason, Report
from .actions import apply_each


class CannedReasonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.get_action_display()}: {obj.title}"


class DecisionActionForm(ActionForm):
    """The admin action bar, with the note that reject and request changes require."""

    note = forms.CharField(
        required=False,
        label="Note to the author",
        widget=forms.TextInput(attrs={"size": 60, "placeholder": "Required to reject or request changes"}),
    )
    canned = CannedReasonChoiceField(
        queryset=CannedReason.objects.filter(enabled=True),
        required=False,
        label="or a canned reason",
        empty_label="(canned reason)",
    )


def canned_note(request: HttpRequest) -> str:
    """The posted ``note``; when it is empty, the text of the posted enabled canned reason (``canned``)."""
    note = request.POST.get("note", "").strip()
    canned = request.POST.get("canned", "")
    if not note and canned.isdigit():
        reason = CannedReason.objects.filter(pk=int(canned), enabled=True).first()
        if reason is not None:
            return reason.text
    return note


#: Severities that keep a submission out of a bulk approval.
BULK_APPROVE_BLOCKING = [s for s, rank in SEVERITY_RANK.items() if rank >= SEVERITY_RANK[Severity.MEDIUM]]
#: Rank of the highest finding → severity.
SEVERITY_BY_RANK = {rank: s for s, rank in SEVERITY_RANK.items()}


def _highest_rank() -> Subquery:
    """The rank of a submission's highest finding severity (None without findings), as a subquery."""
    rank = Case(
        *(When(severity=s, then=Value(r)) for s, r in SEVERITY_RANK.items()),
        output_field=IntegerField(),
    )
    return Subquery(
        ScanFinding.objects.filter(submission=OuterRef("pk"))
        .annotate(rank=rank)
        .order_by("-rank")
        .values("rank")[:1]
    )


def _badge(text: str, tone: str, title: str = "") -> str:
    return format_html('<span class="q-badge q-{}" title="{}">{}</span>', tone, title, text)


def _change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


class ScanFindingInline(admin.TabularInline):
    model = ScanFinding
    extra = 0
    can_delete = False
    verbose_name_plural = "scan findings"
    fields = ("severity_badge", "code", "message", "location", "field", "excerpt_display")
    readonly_fields = fields

    def get_queryset(self, request):
        rank = Case(
            *(When(severity=s, then=Value(r)) for s, r in SEVERITY_RANK.items()),
            output_field=IntegerField(),
        )
        return super().get_queryset(request).annotate(rank=rank).order_by("-rank", "path", "line")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="severity")
    def severity_badge(self, obj: ScanFinding) -> str:
        return _badge(obj.get_severity_display(), f"sev-{obj.severity}")

    @admin.display(description="where")
    def location(self, obj: ScanFinding) -> str:
        if not obj.path:
            return "—"
        url = reverse("admin:publishing_submission_member", args=[obj.submission_id])
        url += "?" + urlencode({"path": obj.path}) + (f"#L{obj.line}" if obj.line else "")
        shown = f"{obj.path}:{obj.line}" if obj.line else obj.path
        return format_html('<a href="{}"><code>{}</code></a>', url, shown)

    @admin.display(description="excerpt")
    def excerpt_display(self, obj: ScanFinding) -> str:
        if not obj.excerpt:
            return "—"
        return format_html('<pre class="q-excerpt">{}</pre>', obj.excerpt)


class QueueStatusFilter(admin.SimpleListFilter):
    """Status, showing the queue (in review) by default, with a count per status."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        counts = dict(Submission.objects.order_by().values_list("status").annotate(n=Count("pk")))
        choices = [(s.value, f"{s.label} ({counts.get(s.value, 0)})") for s in SubmissionStatus]
        return [*choices, (self.ALL, f"All ({sum(counts.values())})")]

    def value(self):
        return super().value() or SubmissionStatus.IN_REVIEW

    def queryset(self, request, queryset):
        value = self.value()
        if value in SubmissionStatus.values:
            return queryset.filter(status=value)
        return queryset

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class HighestSeverityFilter(admin.SimpleListFilter):
    title = "highest finding severity"
    parameter_name = "severity"
    NONE = "none"

    def lookups(self, request, model_admin):
        return [*((s.value, s.label) for s in reversed(Severity)), (self.NONE, "No findings")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.NONE:
            return queryset.filter(highest_rank__isnull=True)
        if value not in SEVERITY_RANK:
            return queryset
        return queryset.filter(highest_rank=SEVERITY_RANK[value])


class LookAlikeFilter(admin.SimpleListFilter):
    title = "look-alike identifier"
    parameter_name = "lookalike"

    def lookups(self, request, model_admin):
        return [("yes", "Resembles an existing package"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(similar_to=[])
        if self.value() == "no":
            return queryset.filter(similar_to=[])
        return queryset


class NewOrUpdateFilter(admin.SimpleListFilter):
    title = "new package or update"
    parameter_name = "new"

    def lookups(self, request, model_admin):
        return [("1", "New package"), ("0", "Update")]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(is_new_package=self.value() == "1")
        return queryset


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    """The moderation queue and the submission page: read-only; decisions go through ``moderation.services``."""

    list_display = (
        "id",
        "package_column",
        "publisher_column",
        "flags",
        "audit",
        "age",
    )
    list_display_links = ("id", "package_column")
    list_filter = (
        QueueStatusFilter,
        "package__kind",
        "package__category",
        HighestSeverityFilter,
        "audit_verdict",
        "publisher__verification",
        NewOrUpdateFilter,
        LookAlikeFilter,
        "flagged",
        "escalated",
    )
    search_fields = (
        "package__identifier",
        "package__display_name",
        "publisher__name",
        "publisher__slug",
    )
    list_select_related = ("package", "release", "publisher")
    list_per_page = 50
    inlines = [ScanFindingInline]
    action_form = DecisionActionForm
    actions = ["approve", "reject", "request_changes", "flag"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "package_link",
                    "version",
                    "publisher_column",
                    "status",
                    "new_or_update",
                    "queue",
                    "replaces_link",
                    "release_notes",
                )
            },
        ),
        (
            "Risk",
            {"fields": ("audit_summary", "flag_reasons_display", "similar_display", "escalated_display")},
        ),
        ("Signing key", {"fields": ("signing_key_display",)}),
        ("Publisher history", {"fields": ("publisher_history",)}),
        ("Permissions", {"fields": ("permissions_explained",)}),
        ("Manifest", {"classes": ("collapse",), "fields": ("manifest_table",)}),
        ("Decision", {"fields": ("reviewer_notes", "decided_by", "decided_at")}),
        (
            "Upload",
            {
                "classes": ("collapse",),
                "fields": (
                    "submitted_by",
                    "api_token",
                    "client_ip",
                    "filename",
                    "upload_sha256",
                    "upload_size",
                    "checked_at",
                    "created_at",
                ),
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        return [f for _, options in self.fieldsets for f in options["fields"]]

    def get_queryset(self, request):
        # Not super(): it orders by ``get_ordering`` before the annotation it names exists.
        return (
            Submission.objects.select_related("package", "release__signing_key", "publisher")
            .annotate(queue_time=Coalesce(F("queued_at"), F("created_at")), highest_rank=_highest_rank())
            .order_by(*self.get_ordering(request))
        )

    def get_ordering(self, request):
        return ("queue_time", "pk")

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("publishing.decide_submission")

    #: Decision name in the change page's form → moderation service and past-tense verb.
    DECISIONS = {
        "approve": (moderation.submission_approve, "Approved"),
        "reject": (moderation.submission_reject, "Rejected"),
        "request_changes": (moderation.submission_request_changes, "Sent back"),
        "flag": (moderation.submission_flag, "Flagged for a senior reviewer"),
    }

    def get_urls(self):
        decide = self.admin_site.admin_view(require_POST(self.decide_view))
        member = self.admin_site.admin_view(self.member_view)
        return [
            path("<int:object_id>/decide/", decide, name="publishing_submission_decide"),
            path("<int:object_id>/member/", member, name="publishing_submission_member"),
            *super().get_urls(),
        ]

    # --- views ---------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": "Moderation queue"}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        submission = self.get_object(request, object_id)
        context = {}
        if submission is not None and self.has_view_permission(request, submission):
            members = review.submission_members(submission)
            if members is None and submission.release.artifact:
                members = review.release_members(submission.release)
            decisions = [
                t.name for t in transitions.available(submission, request.user) if t.name in self.DECISIONS
            ]
            approve_refusal = ""
            if decisions and "approve" not in decisions:
                try:
                    transitions.check("submission:approve", submission, actor=request.user)
                except transitions.DecisionError as exc:
                    approve_refusal = str(exc)
            context = {
                "can_decide": bool(decisions),
                "decisions": decisions,
                "approve_refusal": approve_refusal,
                "files": review.list_members(members) if members is not None else None,
                "diff": None
                if submission.is_new_package
                else review.diff_against_previous(submission, members),
                "canned_reasons": CannedReason.objects.filter(enabled=True),
            }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **context})

    def decide_view(self, request: HttpRequest, object_id: int) -> HttpResponseRedirect:
        """Apply the decision posted from a submission's page (``decision``, ``note`` or ``canned``)."""
        if not self.has_decide_permission(request):
            raise PermissionDenied
        submission = get_object_or_404(Submission, pk=object_id)
        decision = self.DECISIONS.get(request.POST.get("decision", ""))
        if decision is None:
            self.message_user(request, "Choose a decision.", messages.ERROR)
        else:
            self._decide(request, [submission], decision[0], decision[1])
        return HttpResponseRedirect(reverse("admin:publishing_submission_change", args=[submission.pk]))

    def member_view(self, request: HttpRequest, object_id: int) -> TemplateResponse:
        """One archive member: text escaped with line numbers, a binary by size, type and SHA-256."""
        submission = self.get_object(request, str(object_id))
        if submission is None:
            raise Http404("No such submission.")
        if not self.has_view_permission(request, submission):
            raise PermissionDenied
        members = review.submission_members(submission)
        if members is None and submission.release.artifact:
            members = review.release_members(submission.release)
        member_path = request.GET.get("path", "")
        if members is None or member_path not in members:
            raise Http404("No such file in this package.")
        findings = list(submission.findings.filter(path=member_path, line__isnull=False).order_by("line"))
        paths = sorted(members)
        at = paths.index(member_path)
        member_url = reverse("admin:publishing_submission_member", args=[submission.pk]) + "?"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": submission,
            "title": member_path,
            "subtitle": str(submission),
            "member": review.describe_member(member_path, members[member_path]),
            "findings": findings,
            "hit_lines": {f.line for f in findings},
            "previous_file": (paths[at - 1], member_url + urlencode({"path": paths[at - 1]})) if at else None,
            "next_file": (paths[at + 1], member_url + urlencode({"path": paths[at + 1]}))
            if at + 1 < len(paths)
            else None,
            "file_place": (at + 1, len(paths)),
        }
        return TemplateResponse(request, "admin/publishing/submission/member.html", context)

    # --- columns -------------------------------------------------------------------------

    @admin.display(description="package", ordering="package__identifier")
    def package_column(self, obj: Submission) -> str:
        lookalike = ""
        if obj.similar_to:
            lookalike = format_html(
                '<br><span class="q-lookalike" title="{}">≈ {}</span>',
                "\n".join(obj.flag_reasons),
                "Resembles " + ", ".join(obj.similar_to),
            )
        return format_html(
            '<strong class="q-ident">{}</strong> {} {}<br><span class="q-muted">{}</span>{}',
            obj.package.identifier,
            obj.release.version,
            self.new_or_update(obj),
            obj.package.display_name,
            lookalike,
        )

    @admin.display(description="package")
    def package_link(self, obj: Submission) -> str:
        return format_html(
            '<a href="{}"><strong>{}</strong></a> — {} · <a href="{}">public page</a>',
            _change_url(obj.package),
            obj.package.identifier,
            obj.package.display_name,
            obj.package.get_absolute_url(),
        )

    @admin.display(description="version", ordering="release__version")
    def version(self, obj: Submission) -> str:
        return obj.release.version

    @admin.display(description="publisher", ordering="publisher__name")
    def publisher_column(self, obj: Submission) -> str:
        publisher = obj.publisher
        tone = "ok" if publisher.is_verified else ("warn" if publisher.verification == "pending" else "muted")
        return format_html(
            "{} {}", publisher.name, _badge(publisher.get_verification_display(), tone, publisher.slug)
        )

    @admin.display(description="type", ordering="is_new_package")
    def new_or_update(self, obj: Submission) -> str:
        return _badge("New", "info") if obj.is_new_package else _badge("Update", "muted")

    @admin.display(description="flags", ordering="flagged")
    def flags(self, obj: Submission) -> str:
        """⚑ when flagged (reasons on hover), a "senior" badge when escalated."""
        parts = []
        if obj.flagged:
            reasons = "\n".join(obj.flag_reasons) or "Flagged"
            parts.append(format_html('<span class="q-flag" title="{}">⚑</span>', reasons))
        if obj.escalated:
            parts.append(_badge("senior", "bad", "Flagged for a senior reviewer"))
        return format_html_join(" ", "{}", ((p,) for p in parts))

    @admin.display(description="severity", ordering="highest_rank")
    def severity(self, obj: Submission) -> str:
        rank = getattr(obj, "highest_rank", None)
        if rank is None:
            return _badge("none", "muted")
        severity = SEVERITY_BY_RANK[rank]
        return _badge(Severity(severity).label, f"sev-{severity}")

    @staticmethod
    def _verdict_badge(obj: Submission) -> str:
        if not obj.audit_verdict:
            return "—"
        tone = {"certified": "ok", "needs-review": "warn", "rejected": "bad"}.get(obj.audit_verdict, "muted")
        score = "" if obj.audit_score is None else f" {obj.audit_score}"
        return _badge(f"{obj.get_audit_verdict_display()}{score}", tone)

    @admin.display(description="in queue · due", ordering="queue_time")
    def age(self, obj: Submission) -> str:
        start = getattr(obj, "queue_time", None) or obj.queued_at or obj.created_at
        waiting = format_html(
            '<span title="since {}">{}</span>', start.isoformat(timespec="minutes"), timesince(start)
        )
        if obj.status not in AWAITING:
            return waiting
        due = due_at(obj)
        shown = formats.date_format(timezone.localtime(due), "D j M H:i")
        if is_overdue(obj):
            return format_html(
                '{}<br><span class="q-badge q-bad q-overdue" title="Was due {}: {} ago">Overdue</span>',
                waiting,
                shown,
                timesince(due),
            )
        return format_html('{}<br><span class="q-muted">due {}</span>', waiting, shown)

    # --- the submission page ---------------------------------------------------------------

    @admin.display(description="in the queue")
    def queue(self, obj: Submission) -> str:
        if obj.status not in AWAITING:
            return "Not waiting for a decision."
        start = obj.queued_at or obj.created_at
        overdue = is_overdue(obj)
        return format_html(
            "Place {} in the {} queue · waiting {} · due {}{}",
            queue_position(obj),
            "new packages" if obj.is_new_package else "updates",
            timesince(start),
            formats.date_format(timezone.localtime(due_at(obj)), "D j M Y, H:i"),
            _badge("Overdue", "bad") if overdue else "",
        )

    @admin.display(description="replaces")
    def replaces_link(self, obj: Submission) -> str:
        """The published release an update replaces (the one its diff is against), and the submission
        it resubmits after changes were requested; "—" for a new package's first version."""
        parts = []
        previous = None if obj.is_new_package else review.previous_release(obj)
        if previous is not None:
            parts.append(
                format_html(
                    '<a href="{}">{} {}</a> (published {})',
                    _change_url(previous),
                    obj.package.identifier,
                    previous.version,
                    formats.date_format(previous.published_at, "j M Y"),
                )
            )
        if obj.replaces_id is not None:
            parts.append(
                format_html(
                    '<a href="{}">submission #{}</a> (sent back with changes requested)',
                    reverse("admin:publishing_submission_change", args=[obj.replaces_id]),
                    obj.replaces_id,
                )
            )
        if not parts:
            return "— (a new package)" if obj.is_new_package else "—"
        return format_html_join(" · ", "{}", ((p,) for p in parts))

    @admin.display(description="findings · audit", ordering="highest_rank")
    def audit(self, obj: Submission) -> str:
        """The highest finding's severity above the audit verdict: one column, so the queue fits 1280 px."""
        return format_html("{}<br>{}", self.severity(obj), self._verdict_badge(obj))

    @admin.display(description="audit")
    def audit_summary(self, obj: Submission) -> str:
        if not obj.audit_verdict:
            return "Not audited yet."
        return format_html(
            "{} score {}/100 · highest finding: {}",
            self._verdict_badge(obj),
            "—" if obj.audit_score is None else obj.audit_score,
            obj.highest_severity or "none",
        )

    @admin.display(description="flag reasons")
    def flag_reasons_display(self, obj: Submission) -> str:
        if not obj.flag_reasons:
            return "Not flagged." if not obj.flagged else "Flagged (no reason recorded)."
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((r,) for r in obj.flag_reasons))
        )

    @admin.display(description="escalated")
    def escalated_display(self, obj: Submission) -> str:
        return yes_no(obj.escalated, "flagged for a senior reviewer", "not flagged for a senior reviewer")

    @admin.display(description="look-alike of")
    def similar_display(self, obj: Submission) -> str:
        if not obj.similar_to:
            return "—"
        return format_html_join(
            ", ",
            '<a href="{}"><code>{}</code></a>',
            ((reverse("catalog:package-detail", args=[i]), i) for i in obj.similar_to),
        )

    @admin.display(description="signing key")
    def signing_key_display(self, obj: Submission) -> str:
        key = obj.release.signing_key
        shown = format_html(
            "<code>{}</code> — {}{}",
            key.fingerprint,
            key.label,
            _badge("revoked", "bad") if key.revoked_at else "",
        )
        if obj.is_new_package:
            return shown
        previous = review.previous_release(obj)
        if previous is None:
            return shown
        if previous.key_fingerprint != key.fingerprint:
            return format_html(
                '{} <span class="q-badge q-bad">key changed</span> since {}: was <code>{}</code>',
                shown,
                previous.version,
                previous.key_fingerprint,
            )
        return format_html("{} · same key as {}", shown, previous.version)

    @admin.display(description="history")
    def publisher_history(self, obj: Submission) -> str:
        publisher = obj.publisher
        closed = (
            Submission.objects.filter(
                publisher=publisher,
                status__in=[SubmissionStatus.REJECTED, SubmissionStatus.CHANGES_REQUESTED],
            )
            .exclude(pk=obj.pk)
            .select_related("package", "release")
            .order_by("-created_at")
        )
        shown = list(closed[:10])
        reports = Report.objects.filter(package__publisher=publisher).aggregate(
            total=Count("pk"), here=Count("pk", filter=Q(package=obj.package))
        )
        earlier = (
            format_html_join(
                ", ",
                '<a href="{}">#{} {} {}</a> ({})',
                (
                    (
                        reverse("admin:publishing_submission_change", args=[s.pk]),
                        s.pk,
                        s.package.identifier,
                        s.release.version,
                        s.get_status_display().lower(),
                    )
                    for s in shown
                ),
            )
            if shown
            else "none"
        )
        return format_html(
            "{} · publisher since {}<br>Earlier rejections and changes requested: {}{}<br>"
            "Reports: {} on this package, {} on all of the publisher's packages",
            publisher.get_verification_display(),
            formats.date_format(publisher.created_at, "j M Y"),
            earlier,
            f" and {closed.count() - len(shown)} more" if len(shown) == 10 else "",
            reports["here"],
            reports["total"],
        )

    @admin.display(description="permissions")
    def permissions_explained(self, obj: Submission) -> str:
        items = explain_permissions(obj.release.permissions)
        if not items:
            return "None requested."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li><code>{}</code> — {}</li>", ((i["name"], i["explanation"]) for i in items)
            ),
        )

    @admin.display(description="manifest")
    def manifest_table(self, obj: Submission) -> str:
        rows = (
            (
                key,
                value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False),
            )
            for key, value in obj.release.manifest.items()
        )
        return format_html(
            '<table class="q-manifest"><tbody>{}</tbody></table>',
            format_html_join("", "<tr><th>{}</th><td><pre>{}</pre></td></tr>", rows),
        )

    # --- actions ---------------------------------------------------------------------------

    def _decide(self, request: HttpRequest, queryset, decide, verb: str) -> None:
        note = canned_note(request)
        apply_each(
            self,
            request,
            queryset,
            lambda submission: decide(submission=submission, reviewer=request.user, note=note),
            done=f"{verb} {{}} submission(s).",
            label=lambda submission: f"#{submission.pk}",
        )

    @admin.action(description="Approve and publish (skips medium+ findings)", permissions=["decide"])
    def approve(self, request, queryset):
        submissions = list(queryset.select_related("package", "release"))
        blocked = set(
            ScanFinding.objects.filter(
                submission__in=[s.pk for s in submissions], severity__in=BULK_APPROVE_BLOCKING
            ).values_list("submission_id", flat=True)
        )
        skipped = [s for s in submissions if s.pk in blocked]
        if skipped:
            self.message_user(
                request,
                format_html(
                    "Skipped {} submission(s) with findings at medium or above; decide them on their own page: {}",
                    len(skipped),
                    format_html_join(
                        ", ",
                        '<a href="{}">{}</a>',
                        (
                            (reverse("admin:publishing_submission_change", args=[s.pk]), str(s))
                            for s in skipped
                        ),
                    ),
                ),
                messages.WARNING,
            )
        self._decide(
            request,
            [s for s in submissions if s.pk not in blocked],
            moderation.submission_approve,
            "Approved",
        )

    @admin.action(description="Reject (note required)", permissions=["decide"])
    def reject(self, request, queryset):
        self._decide(request, queryset, moderation.submission_reject, "Rejected")

    @admin.action(description="Request changes (note required)", permissions=["decide"])
    def request_changes(self, request, queryset):
        self._decide(request, queryset, moderation.submission_request_changes, "Sent back")

    @admin.action(description="Flag for a senior reviewer", permissions=["decide"])
    def flag(self, request, queryset):
        self._decide(request, queryset, moderation.submission_flag, "Flagged for a senior reviewer")
