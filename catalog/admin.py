"""Admin for catalog rows: publishers, kinds, categories, packages, releases."""

from django.contrib import admin

from .models import Category, Kind, Package, Publisher, PublisherMember, Release


class PublisherMemberInline(admin.TabularInline):
    model = PublisherMember
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Publisher)
class PublisherAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "type", "verification", "created_at")
    list_filter = ("type", "verification")
    search_fields = ("name", "slug")
    inlines = [PublisherMemberInline]


@admin.register(Kind)
class KindAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "plural", "install_target", "position")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "position")


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    list_display = (
        "identifier",
        "display_name",
        "publisher",
        "kind",
        "category",
        "status",
        "latest_release",
    )
    list_filter = ("status", "kind", "category", "pricing")
    search_fields = ("identifier", "display_name", "publisher__name", "publisher__slug")
    list_select_related = ("publisher", "kind", "category", "latest_release")
    readonly_fields = ("latest_release", "created_at", "updated_at", "published_at")


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ("package", "version", "published_at", "yanked", "size", "key_fingerprint")
    list_filter = ("yanked",)
    search_fields = ("package__identifier", "version", "artifact_sha256")
    list_select_related = ("package",)
    readonly_fields = [f.name for f in Release._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
