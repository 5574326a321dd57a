"""Read helpers for catalog rows."""

from django.db import models

from .constants import ListingStatus

#: Listing statuses shown in browsing and search.
BROWSABLE = (ListingStatus.PUBLISHED, ListingStatus.DEPRECATED)
#: Listing statuses whose page and downloads answer to anyone with the address.
REACHABLE = (*BROWSABLE, ListingStatus.UNLISTED)


class PackageQuerySet(models.QuerySet):
    def listed(self) -> "PackageQuerySet":
        """Packages a customer can browse and search: published or deprecated, with a published release."""
        return self.filter(status__in=BROWSABLE, latest_release__isnull=False)

    def reachable(self) -> "PackageQuerySet":
        """Packages whose page and downloads answer: browsable ones plus unlisted ones (by address)."""
        return self.filter(status__in=REACHABLE, latest_release__isnull=False)

    def for_cards(self) -> "PackageQuerySet":
        """Join what a package card shows, so a page costs one query."""
        return self.select_related("publisher", "kind", "category", "latest_release")

    def search(self, query: str) -> "PackageQuerySet":
        """Packages matching ``query``, annotated with ``relevance`` (see ``catalog.search``)."""
        from .search import search_packages

        return search_packages(self, query)


class ReleaseQuerySet(models.QuerySet):
    def published(self) -> "ReleaseQuerySet":
        """Releases approved by a reviewer (yanked ones included, flagged)."""
        return self.filter(published_at__isnull=False)
