"""PostgreSQL search support: a weighted ``search_vector`` column and GIN indexes.

On PostgreSQL only (other databases use the fallback in ``catalog.search``):

* ``pg_trgm``, for typo-tolerant matching of identifiers and names;
* ``catalog_package.search_vector``, a stored generated ``tsvector``
  (identifier and display name ``A``, tagline and description ``B``, tags
  ``C``, README ``D``, all with the ``simple`` configuration: identifiers and
  product names are not English words to stem). PostgreSQL recomputes it on
  every insert and update, so it cannot go stale;
* GIN indexes on that column and trigram GIN indexes on ``identifier`` and
  ``display_name``.

The column is not a model field: ``catalog.search.SearchVectorColumn`` reads it.
"""

from django.db import migrations

VECTOR = """
    setweight(to_tsvector('simple', coalesce(identifier, '')), 'A')
 || setweight(to_tsvector('simple', coalesce(display_name, '')), 'A')
 || setweight(to_tsvector('simple', coalesce(tagline, '')), 'B')
 || setweight(to_tsvector('simple', left(coalesce(description, ''), 100000)), 'B')
 || setweight(to_tsvector('simple', coalesce(tags::text, '')), 'C')
 || setweight(to_tsvector('simple', left(coalesce(readme, ''), 200000)), 'D')
"""

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"ALTER TABLE catalog_package ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED",
    "CREATE INDEX catalog_package_search_vector_gin ON catalog_package USING gin (search_vector)",
    "CREATE INDEX catalog_package_identifier_trgm ON catalog_package USING gin (identifier gin_trgm_ops)",
    "CREATE INDEX catalog_package_display_name_trgm ON catalog_package USING gin (display_name gin_trgm_ops)",
]

BACKWARD = [
    "DROP INDEX IF EXISTS catalog_package_display_name_trgm",
    "DROP INDEX IF EXISTS catalog_package_identifier_trgm",
    "DROP INDEX IF EXISTS catalog_package_search_vector_gin",
    "ALTER TABLE catalog_package DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_stats_reviews_wrapped_artifacts")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
