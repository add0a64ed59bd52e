"""Raw inbound mail is compressed with lz4 where the server supports it: the
default (pglz) costs several times more CPU per stored message."""

from django.db import migrations


def _supports_lz4(cursor) -> bool:
    cursor.execute(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings"
        " WHERE name = 'default_toast_compression'"
    )
    row = cursor.fetchone()
    return bool(row and row[0])


def _set_compression(method: str):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            if method == "lz4" and not _supports_lz4(cursor):
                return
            cursor.execute(
                "ALTER TABLE tickets_inboundemail ALTER COLUMN raw"
                f" SET COMPRESSION {method}"
            )

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0003_mailsource"),
    ]

    operations = [
        migrations.RunPython(_set_compression("lz4"), _set_compression("pglz")),
    ]
