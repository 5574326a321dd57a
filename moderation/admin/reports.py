"""Admin for reports, trusted reporters, the blocklist, retro-hunts and verification requests.

Every decision is an admin action or a small custom view that calls one
service of ``moderation.reports``, ``moderation.blocklist``,
``moderation.retrohunt`` or ``moderation.verification``; nothing is decided
in ``save_model``. Notes travel in the action bar (:class:`NoteActionForm`).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from catalog.models import Package
from marketplace.admin import ReadOnlyAdmin as BaseReadOnlyAdmin
from marketplace.admin import yes_no
from publishing.constants import Severity
from publishing.models import ScanRule

from .. import blocklist, retrohunt, transitions, verification
from ..constants import BlockSeverity, ReportStatus, RequestStatus
from ..models import BlockEntry, Report, RetroHunt, RetroHuntMatch, TrustedReporter, VerificationRequest
from ..reports import report_resolve, report_suspend_listing
from ..transitions import DecisionError
from .actions import apply_each


class NoteActionForm(ActionForm):
    """The action bar, with the note that resolving, lifting and refusing require."""

    note = forms.CharField(
        required=False,
        label="Note",
        widget=forms.TextInput(attrs={"size": 60, "placeholder": "Required to resolve, lift or refuse"}),
    )


def _note(request: HttpRequest) -> str:
    return request.POST.get("note", "")


def _first_by(field: str, value: str) -> list:
    """An ordering that puts rows whose ``field`` is ``value`` first, then the oldest first."""
    first = Case(When(**{field: value}, then=Value(0)), default=Value(1), output_field=IntegerField())
    return [first.asc(), "created_at", "pk"]


def _package_link(package: Package) -> str:
    return format_html(
        '<a href="{}">{}</a> (<a href="{}">page</a>)',
        reverse("admin:catalog_package_change", args=[package.pk]),
        package.identifier,
        package.get_absolute_url(),
    )


class ReadOnlyAdmin(BaseReadOnlyAdmin):
    """Read-only, with the note field that the resolving actions read."""

    action_form = NoteActionForm


# --- reports ----------------------------------------------------------------------------------------


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """The report queue: open reports first, oldest first; resolve them with a note."""

    list_display = (
        "id",
        "package_link",
        "release_link",
        "reason",
        "status",
        "quarantined_column",
        "reporter",
        "retro_hunt",
        "created_at",
        "block_link",
    )
    list_filter = ("reason", "status", "quarantined")
    search_fields = ("package__identifier", "description", "reporter__email")
    list_select_related = ("package", "release", "reporter", "retro_hunt")
    actions = ["dismiss", "mark_actioned"]
    fields = (
        "package_link",
        "release_link",
        "reason",
        "description",
        "reporter",
        "retro_hunt",
        "status",
        "quarantined_display",
        "created_at",
        "resolved_by",
        "resolved_at",
        "resolution_note",
        "block_link",
    )
    readonly_fields = fields

    def get_ordering(self, request) -> list:
        return _first_by("status", ReportStatus.OPEN)

    #: The report page's buttons (``act``) → what each does, through ``moderation.reports``.
    ACTS = {
        "suspend": (
            lambda report, user, note: report_suspend_listing(report=report, reviewer=user, reason=note),
            "Listing suspended and report closed as actioned.",
        ),
        "actioned": (
            lambda report, user, note: report_resolve(
                report=report, reviewer=user, status=ReportStatus.ACTIONED, note=note
            ),
            "Report closed as actioned.",
        ),
        "dismiss": (
            lambda report, user, note: report_resolve(
                report=report, reviewer=user, status=ReportStatus.DISMISSED, note=note
            ),
            "Report dismissed.",
        ),
    }

    def get_urls(self):
        act = self.admin_site.admin_view(require_POST(self.act_view))
        return [path("<int:object_id>/act/", act, name="moderation_report_act"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The report, with what a reviewer can do about it: suspend the listing, close or dismiss
        the report (each offered only when its transition is allowed now), and links to the listing."""
        report = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if report is not None:
            user = request.user
            open_ = transitions.allowed("report:action", report, actor=user)
            extra["report_acts"] = {
                "suspend": open_ and transitions.allowed("listing:suspend", report.package, actor=user),
                "actioned": open_,
                "dismiss": transitions.allowed("report:dismiss", report, actor=user),
            }
            extra["listing_actions_url"] = (
                reverse("admin:catalog_package_changelist")
                + "?"
                + urlencode({"q": report.package.identifier})
            )
            extra["listing_change_url"] = reverse("admin:catalog_package_change", args=[report.package.pk])
        return super().change_view(request, object_id, form_url, extra)

    def act_view(self, request: HttpRequest, object_id: int) -> HttpResponseRedirect:
        """Apply the button posted from a report's page (``act``, with ``note``)."""
        report = get_object_or_404(Report.objects.select_related("package"), pk=object_id)
        if not self.has_view_permission(request, report):
            raise PermissionDenied
        act = self.ACTS.get(request.POST.get("act", ""))
        if act is None:
            self.message_user(request, "Choose what to do with the report.", messages.ERROR)
        else:
            call, done = act
            note = request.POST.get("note", "")
            apply_each(self, request, [report], lambda r: call(r, request.user, note), done=done)
        return HttpResponseRedirect(reverse("admin:moderation_report_change", args=[report.pk]))

    def has_resolve_permission(self, request) -> bool:
        return request.user.has_perm("moderation.change_report")

    @admin.display(description="package", ordering="package__identifier")
    def package_link(self, obj: Report) -> str:
        return _package_link(obj.package)

    @admin.display(description="release")
    def release_link(self, obj: Report) -> str:
        if obj.release is None:
            return "all versions"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:catalog_release_change", args=[obj.release.pk]),
            obj.release.version,
        )

    @admin.display(description="quarantined", ordering="quarantined")
    def quarantined_column(self, obj: Report) -> str:
        return yes_no(obj.quarantined)

    @admin.display(description="quarantined")
    def quarantined_display(self, obj: Report) -> str:
        return yes_no(obj.quarantined, "the report suspended the listing at once")

    @admin.display(description="blocklist")
    def block_link(self, obj: Report) -> str:
        query = {"package": obj.package.identifier, "version": obj.release.version if obj.release else ""}
        url = reverse("admin:moderation_blockentry_request") + "?" + urlencode(query)
        return format_html('<a href="{}">Request a block</a>', url)

    @admin.action(description="Dismiss (note required)", permissions=["resolve"])
    def dismiss(self, request, queryset) -> None:
        apply_each(
            self,
            request,
            queryset,
            lambda r: report_resolve(
                report=r, reviewer=request.user, status=ReportStatus.DISMISSED, note=_note(request)
            ),
            done="Reports dismissed: {}.",
        )

    @admin.action(description="Mark actioned (note required)", permissions=["resolve"])
    def mark_actioned(self, request, queryset) -> None:
        apply_each(
            self,
            request,
            queryset,
            lambda r: report_resolve(
                report=r, reviewer=request.user, status=ReportStatus.ACTIONED, note=_note(request)
            ),
            done="Reports marked actioned: {}.",
        )


@admin.register(TrustedReporter)
class TrustedReporterAdmin(admin.ModelAdmin):
    """Users whose reports quarantine a published listing at once."""

    list_display = ("user", "note", "added_by", "created_at")
    search_fields = ("user__username", "user__email", "note")
    list_select_related = ("user", "added_by")
    autocomplete_fields = ("user",)
    fields = ("user", "note")

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)


# --- blocklist ---------------------------------------------------------------------------------------


class BlockStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "block_status"

    def lookups(self, request, model_admin):
        return [
            (blocklist.REQUESTED, "Requested"),
            ("mine", "Awaiting my confirmation"),
            (blocklist.CONFIRMED, "Confirmed"),
            (blocklist.LIFTED, "Lifted"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "mine":
            return queryset.filter(blocklist.STATUS_FILTERS[blocklist.REQUESTED]).exclude(
                requested_by=request.user
            )
        if value in blocklist.STATUS_FILTERS:
            return queryset.filter(blocklist.STATUS_FILTERS[value])
        return queryset


class BlockRequestForm(forms.Form):
    """Input shape of "Request a block": a package identifier and, optionally, one version."""

    package = forms.CharField(label="Package identifier", max_length=64)
    version = forms.CharField(required=False, help_text="Leave empty to block every version.")
    severity = forms.ChoiceField(choices=BlockSeverity.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Public: the blocklist carries it to every client.",
    )

    def clean(self) -> dict:
        data = super().clean()
        identifier = data.get("package")
        if identifier:
            package = Package.objects.filter(identifier=identifier).first()
            if package is None:
                raise forms.ValidationError(f"No package {identifier!r}.")
            data["package"] = package
            data["release"] = None
            if data.get("version"):
                data["release"] = package.releases.published().filter(version=data["version"]).first()
                if data["release"] is None:
                    raise forms.ValidationError(f"{identifier} has no published version {data['version']!r}.")
        return data


@admin.register(BlockEntry)
class BlockEntryAdmin(ReadOnlyAdmin):
    """The blocklist: request (custom view), confirm (another reviewer), lift (note)."""

    list_display = (
        "id",
        "package_link",
        "version",
        "severity",
        "status",
        "reason",
        "requested_by",
        "requested_at",
        "confirmed_by",
        "confirmed_at",
        "lifted_by",
    )
    list_filter = (BlockStatusFilter, "severity")
    search_fields = ("package__identifier", "release__version", "reason")
    list_select_related = ("package", "release", "requested_by", "confirmed_by", "lifted_by")
    actions = ["confirm", "lift"]
    fields = (
        "package_link",
        "version",
        "severity",
        "status",
        "reason",
        "requested_by",
        "requested_at",
        "confirmed_by",
        "confirmed_at",
        "lifted_by",
        "lifted_at",
    )
    readonly_fields = fields

    def get_urls(self):
        view = self.admin_site.admin_view(self.request_view)
        return [path("request/", view, name="moderation_blockentry_request"), *super().get_urls()]

    def has_request_permission(self, request) -> bool:
        return request.user.has_perm("moderation.add_blockentry")

    def has_confirm_permission(self, request) -> bool:
        return request.user.has_perm(transitions.transition("block:confirm").permission)

    def has_lift_permission(self, request) -> bool:
        return request.user.has_perm("moderation.change_blockentry")

    def changelist_view(self, request, extra_context=None):
        extra = {"can_request_block": self.has_request_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra)

    @admin.display(description="package", ordering="package__identifier")
    def package_link(self, obj: BlockEntry) -> str:
        return _package_link(obj.package)

    @admin.display(description="version")
    def version(self, obj: BlockEntry) -> str:
        return obj.release.version if obj.release else "all versions"

    @admin.display(description="status")
    def status(self, obj: BlockEntry) -> str:
        return blocklist.block_status(obj)

    @admin.action(description="Confirm (blocks requested by another reviewer)", permissions=["confirm"])
    def confirm(self, request, queryset) -> None:
        apply_each(
            self,
            request,
            queryset,
            lambda e: blocklist.block_confirm(entry=e, reviewer=request.user),
            done="Blocks confirmed: {}.",
        )

    @admin.action(description="Lift (note required)", permissions=["lift"])
    def lift(self, request, queryset) -> None:
        apply_each(
            self,
            request,
            queryset,
            lambda e: blocklist.block_lift(entry=e, reviewer=request.user, note=_note(request)),
            done="Blocks lifted: {}.",
        )

    def request_view(self, request: HttpRequest) -> HttpResponse:
        """ "Request a block": the form, then ``block_request``; a second reviewer confirms it."""
        if not self.has_request_permission(request):
            raise PermissionDenied
        form = BlockRequestForm(request.POST or None, initial=request.GET.dict())
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                entry = blocklist.block_request(
                    package=data["package"],
                    release=data["release"],
                    severity=data["severity"],
                    reason=data["reason"],
                    reviewer=request.user,
                )
            except DecisionError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, f"Block #{entry.pk} requested; another reviewer must confirm it.")
                return HttpResponseRedirect(reverse("admin:moderation_blockentry_changelist"))
        return _service_form(self, request, form, title="Request a block", submit="Request the block")


# --- retro-hunts ---------------------------------------------------------------------------------------


class RetroHuntStartForm(forms.Form):
    """Input shape of "Start a retro-hunt"."""

    rule = forms.ModelChoiceField(queryset=ScanRule.objects.order_by("name"))
    report_severity = forms.ChoiceField(
        choices=Severity.choices,
        initial=Severity.HIGH,
        help_text="When the rule's severity is at this level or above, each matched package also gets a report.",
    )


class RetroHuntMatchInline(admin.TabularInline):
    model = RetroHuntMatch
    extra = 0
    can_delete = False
    fields = ("release", "path", "line", "excerpt")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RetroHunt)
class RetroHuntAdmin(ReadOnlyAdmin):
    """Retro-hunts with their progress; started from a custom view, resumed by an action."""

    list_display = (
        "id",
        "rule",
        "status",
        "progress_bar",
        "matches",
        "report_severity",
        "started_by",
        "created_at",
        "finished_at",
    )
    list_filter = ("status",)
    list_select_related = ("rule", "started_by")
    actions = ["resume"]
    inlines = [RetroHuntMatchInline]
    fields = (
        "rule",
        "report_severity",
        "status",
        "progress_bar",
        "matches",
        "error",
        "started_by",
        "created_at",
        "finished_at",
    )
    readonly_fields = fields

    def get_urls(self):
        view = self.admin_site.admin_view(self.start_view)
        return [path("start/", view, name="moderation_retrohunt_start"), *super().get_urls()]

    def has_start_permission(self, request) -> bool:
        return request.user.has_perm("moderation.add_retrohunt")

    def changelist_view(self, request, extra_context=None):
        extra = {
            "can_start_hunt": self.has_start_permission(request),
            "refresh": RetroHunt.objects.filter(status__in=retrohunt.ACTIVE).exists(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # ``get_object`` reads the id as the admin does (a mistyped id is no hunt, not a ValueError).
        hunt = self.get_object(request, object_id)
        extra = {"refresh": hunt is not None and hunt.status in retrohunt.ACTIVE, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    @admin.display(description="progress")
    def progress_bar(self, obj: RetroHunt) -> str:
        return format_html(
            '<progress value="{}" max="{}" aria-label="{}% done"></progress> {}% ({}/{})',
            obj.done,
            obj.total or 1,
            obj.progress,
            obj.progress,
            obj.done,
            obj.total,
        )

    @admin.action(description="Resume (failed or stalled hunts)", permissions=["start"])
    def resume(self, request, queryset) -> None:
        apply_each(
            self,
            request,
            queryset,
            lambda h: retrohunt.retro_hunt_resume(hunt=h, reviewer=request.user),
            done="Retro-hunts resumed: {}.",
        )

    def start_view(self, request: HttpRequest) -> HttpResponse:
        """ "Start a retro-hunt": pick a rule and a report threshold, then ``retro_hunt_start``."""
        if not self.has_start_permission(request):
            raise PermissionDenied
        form = RetroHuntStartForm(request.POST or None, initial=request.GET.dict())
        if request.method == "POST" and form.is_valid():
            try:
                hunt = retrohunt.retro_hunt_start(
                    rule=form.cleaned_data["rule"],
                    report_severity=form.cleaned_data["report_severity"],
                    reviewer=request.user,
                )
            except DecisionError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, f"Retro-hunt #{hunt.pk} of {hunt.rule} started.")
                return HttpResponseRedirect(reverse("admin:moderation_retrohunt_change", args=[hunt.pk]))
        return _service_form(self, request, form, title="Start a retro-hunt", submit="Start")


# --- verification requests --------------------------------------------------------------------------------


@admin.register(VerificationRequest)
class VerificationRequestAdmin(ReadOnlyAdmin):
    """Publishers' verification requests, pending first; grant or refuse (note required) as actions."""

    list_display = (
        "id",
        "publisher",
        "current_level",
        "requested_level",
        "status",
        "requested_by",
        "created_at",
        "decided_by",
    )
    list_filter = ("status", "requested_level")
    search_fields = ("publisher__name", "publisher__slug", "evidence")
    list_select_related = ("publisher", "requested_by", "decided_by")
    actions = ["grant", "refuse"]
    fields = (
        "publisher",
        "current_level",
        "requested_level",
        "evidence",
        "requested_by",
        "status",
        "created_at",
        "decided_by",
        "decided_at",
        "note",
    )
    readonly_fields = fields

    def get_ordering(self, request) -> list:
        return _first_by("status", RequestStatus.PENDING)

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("moderation.change_verificationrequest")

    @admin.display(description="current level")
    def current_level(self, obj: VerificationRequest) -> str:
        return obj.publisher.get_verification_display()

    @admin.action(description="Grant the requested level", permissions=["decide"])
    def grant(self, request, queryset) -> None:
        apply_each(
            self,
            request,
            queryset,
            lambda r: verification.verification_grant(request=r, reviewer=request.user, note=_note(request)),
            done="Requests granted: {}.",
        )

    @admin.action(description="Refuse (note required)", permissions=["decide"])
    def refuse(self, request, queryset) -> None:
        apply_each(
            self,
            request,
            queryset,
            lambda r: verification.verification_refuse(request=r, reviewer=request.user, note=_note(request)),
            done="Requests refused: {}.",
        )


def _service_form(
    modeladmin: admin.ModelAdmin, request: HttpRequest, form: forms.Form, *, title: str, submit: str
) -> HttpResponse:
    """Render a custom admin form page (``admin/moderation/service_form.html``)."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": title,
        "form": form,
        "submit": submit,
    }
    return render(request, "admin/moderation/service_form.html", context)
