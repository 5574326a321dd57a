"""PostgreSQL: the vocabulary of package names, for typo-tolerant search.

``catalog_search_word`` holds every word (three characters or more, letters,
digits and ``_`` only) of every package's identifier, display name and tags,
as PostgreSQL's ``simple`` text-search parser splits them. A trigger adds the
words of each inserted or changed package, so the table is always complete;
words are never removed (a word no package uses any more only costs a
full-text lookup that matches nothing). A trigram GIN index makes "which
known words look like ``githb``?" a lookup in a table of thousands of rows
rather than a trigram comparison with every package (the approach of the
``pg_trgm`` documentation, F.35.5 "Text Search Integration").

``catalog.search`` rewrites a query's unknown words into their look-alikes
and runs one full-text search (see there), so the trigram indexes on
``identifier`` and ``display_name`` (migration ``0006``), which compared the
query with every name, go. On other databases, nothing.
"""

from django.db import migrations

WORDS_OF_NEW_ROW = """
    SELECT word FROM unnest(tsvector_to_array(to_tsvector('simple',
        coalesce(NEW.identifier, '') || ' ' || coalesce(NEW.display_name, '') || ' '
        || coalesce(NEW.tags::text, '')))) AS word
    WHERE length(word) >= 3 AND word ~ '^[[:alnum:]_]+$'
"""

FORWARD = [
    "DROP INDEX IF EXISTS catalog_package_identifier_trgm",
    "DROP INDEX IF EXISTS catalog_package_display_name_trgm",
    "CREATE TABLE catalog_search_word (word text PRIMARY KEY)",
    "CREATE INDEX catalog_search_word_trgm ON catalog_search_word USING gin (word gin_trgm_ops)",
    f"""
    CREATE FUNCTION catalog_search_word_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO catalog_search_word (word) {WORDS_OF_NEW_ROW}
        ON CONFLICT (word) DO NOTHING;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER catalog_package_search_words
    AFTER INSERT OR UPDATE OF identifier, display_name, tags ON catalog_package
    FOR EACH ROW EXECUTE FUNCTION catalog_search_word_add()
    """,
    """
    INSERT INTO catalog_search_word (word)
    SELECT DISTINCT word FROM catalog_package, unnest(tsvector_to_array(to_tsvector('simple',
        coalesce(identifier, '') || ' ' || coalesce(display_name, '') || ' ' || coalesce(tags::text, ''))))
        AS word
    WHERE length(word) >= 3 AND word ~ '^[[:alnum:]_]+$'
    ON CONFLICT (word) DO NOTHING
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_package_search_words ON catalog_package",
    "DROP FUNCTION IF EXISTS catalog_search_word_add()",
    "DROP TABLE IF EXISTS catalog_search_word",
    "CREATE INDEX catalog_package_identifier_trgm ON catalog_package USING gin (identifier gin_trgm_ops)",
    "CREATE INDEX catalog_package_display_name_trgm ON catalog_package USING gin (display_name gin_trgm_ops)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_search_postgresql")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
