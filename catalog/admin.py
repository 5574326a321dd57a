"""Admin for catalog rows: publishers, kinds and categories.

Packages, releases and reviews are administered from the reviewer console
(``moderation/admin/``), whose actions take the moderation transitions.
"""

from django.contrib import admin

from marketplace.admin import URL_FIELDS_HTTPS

from .models import Category, Kind, Publisher, PublisherMember


class PublisherMemberInline(admin.TabularInline):
    model = PublisherMember
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Publisher)
class PublisherAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "type", "verification", "created_at")
    list_filter = ("type", "verification")
    search_fields = ("name", "slug")
    # The verification level changes only through a verification request (moderation.transitions).
    readonly_fields = ("verification",)
    formfield_overrides = URL_FIELDS_HTTPS
    inlines = [PublisherMemberInline]


@admin.register(Kind)
class KindAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "plural", "install_target", "position")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "position")
