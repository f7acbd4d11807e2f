from django.db import migrations


def binary_collation(table: str, column: str, length: int = 255):
    """Give a path column the "C" collation on PostgreSQL so its btree index serves
    `LIKE 'prefix%'` and range scans under any database locale. SQLite compares bytes
    (BINARY) already, so nothing is done there."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE varchar({length}) COLLATE "C"'
            )

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)
