"""Keep ``search_vector`` and the short listing fields in the package row (PostgreSQL only).

A search matching most of the catalogue reads every matching row's vector
twice (the ``@@`` match and ``ts_rank``), and its tag facet reads every
matching row's tags. With PostgreSQL's defaults a row over ~2 KB has its
largest values compressed and moved to the TOAST table, often the vector
itself, so each read is an index look-up and a decompression. ``STORAGE
MAIN`` keeps a column in the row (moved out only if nothing else makes the
row fit a page), so README and description, left as they are, move out
first (PostgreSQL documentation, "TOAST" and ``ALTER TABLE … SET STORAGE``).

Measured on the search benchmark's 100,000 listings, after ``VACUUM FULL``:
counting the 82,000 matches of ``pys:*`` took 353 ms with the defaults and
117 ms with this; ranking them, 449 ms and 142 ms. (Keeping only the vector
in the row pushed tags and tagline out instead: reading every tag list then
took 188 ms rather than 72 ms.)

Rows written before this migration keep their layout until they are written
again (or ``VACUUM FULL catalog_package`` rewrites the table, locking it).
"""

from django.db import migrations

#: Read for every match of a search (vector, tags) or on every card (the others).
IN_ROW = ("search_vector", "tags", "tagline", "display_name", "identifier")

FORWARD = [f"ALTER TABLE catalog_package ALTER COLUMN {column} SET STORAGE MAIN" for column in IN_ROW]
BACKWARD = [f"ALTER TABLE catalog_package ALTER COLUMN {column} SET STORAGE EXTENDED" for column in IN_ROW]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_package_sort_indexes")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
