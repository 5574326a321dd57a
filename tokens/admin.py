"""Admin for API tokens: staff with the tokens permissions see every token and revoke them; a token
is never added here. No reviewer group holds those permissions (``moderation/roles.py``), and this is
the only place where staff revoke someone else's token (``tokens.services.api_token_revoke``)."""

from __future__ import annotations

from django.contrib import admin, messages

from .models import ApiToken
from .services import api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Staff holding ``tokens.view_apitoken`` see every token; with ``tokens.change_apitoken``
    (``tokens.services.REVOKE_ANY_PERMISSION``) they revoke any. The secret itself is never stored."""

    list_display = ("name", "token_prefix", "user", "publisher", "package", "is_staff_token", "expires_at")
    list_display += ("last_used_at", "last_used_ip", "revoked_at")
    list_filter = ("is_staff_token", "revoked_at")
    search_fields = ("name", "token_prefix", "user__email", "publisher__slug", "package__identifier")
    list_select_related = ("user", "publisher", "package")
    readonly_fields = [f.name for f in ApiToken._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request, queryset):
        tokens = [token for token in queryset if token.revoked_at is None]
        for token in tokens:
            api_token_revoke(token=token, by=request.user)
        self.message_user(request, f"Revoked {len(tokens)} token(s).", messages.SUCCESS)
