"""Keep ``search_vector`` in the package row and move the long texts out (PostgreSQL only).

A search matching most of the catalogue reads every matching row's vector
twice (the ``@@`` match and ``ts_rank``). With PostgreSQL's defaults a row
over ~2 KB has its largest values, often the vector itself, compressed and
moved to the TOAST table, so each read is an index look-up and a
decompression; and the rows that stay whole carry their README through every
sequential scan. ``STORAGE MAIN`` keeps the vector in the row (moved out only
if nothing else makes the row fit a page), and ``toast_tuple_target = 512``
moves README and description out of rows longer than 512 bytes
(PostgreSQL documentation, "TOAST" and ``ALTER TABLE … SET STORAGE``).

Measured on the search benchmark's 100,000 listings, after ``VACUUM FULL``:
counting the 82,000 matches of ``pys:*`` took 353 ms with the defaults and
81 ms with these; ranking them, 449 ms and 88 ms.

Rows written before this migration keep their layout until they are written
again (or ``VACUUM FULL catalog_package`` rewrites the table, locking it).
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE catalog_package ALTER COLUMN search_vector SET STORAGE MAIN",
    "ALTER TABLE catalog_package SET (toast_tuple_target = 512)",
]

BACKWARD = [
    "ALTER TABLE catalog_package ALTER COLUMN search_vector SET STORAGE EXTENDED",
    "ALTER TABLE catalog_package RESET (toast_tuple_target)",
]


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
