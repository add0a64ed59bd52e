"""Set-based inserts for the dispatcher's hot path.

`bulk_create` builds one placeholder per value and prepares each in Python;
for a hundred wide rows that costs more than the database work. Here each
column travels as one array and PostgreSQL unnests them, so a batch is one
short statement whatever its size."""

import json
from collections.abc import Sequence
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Model


def insert_rows(
    model: type[Model], rows: Sequence[dict[str, Any]], *, returning: str = "id"
) -> list[Any]:
    """Insert `rows` (dicts by field name or attname) in one statement and
    return the `returning` column of each, in the order given.

    Fields a row leaves out get the field's default, evaluated once per call
    (so never use this for a field whose default must be unique per row), or
    NULL. Runs in the caller's transaction."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    columns, selects, params = [], [], []
    for index, field in enumerate(
        f for f in model._meta.concrete_fields if not f.primary_key
    ):
        if any(field.attname in row or field.name in row for row in rows):
            values = [
                row[field.attname] if field.attname in row else row.get(field.name)
                for row in rows
            ]
            values = [
                v.pk if isinstance(v, Model) else field.get_db_prep_save(v, connection)
                for v in values
            ]
        else:
            default = field.get_db_prep_save(field.get_default(), connection)
            values = [default] * len(rows)
        name = f"c{index}"
        if isinstance(field, ArrayField):
            # A 2-D array would unnest into scalars: ship each list as JSON.
            base = field.base_field.db_type(connection)
            params.append([None if v is None else json.dumps(v) for v in values])
            array_type = "jsonb[]"
            selects.append(
                f"CASE WHEN v.{name} IS NULL THEN NULL ELSE ARRAY(SELECT "
                f"jsonb_array_elements_text(v.{name}))::{base}[] END"
            )
        else:
            params.append(values)
            array_type = f"{field.db_type(connection)}[]"
            selects.append(f"v.{name}")
        columns.append((quote(field.column), name, array_type))
    table = quote(model._meta.db_table)
    arrays = ", ".join(f"%s::{array_type}" for _col, _name, array_type in columns)
    names = ", ".join(name for _col, name, _type in columns)
    sql = (
        f"INSERT INTO {table} ({', '.join(col for col, _n, _t in columns)}) "  # noqa: S608 - identifiers from model metadata
        f"SELECT {', '.join(selects)} FROM unnest({arrays}) "
        f"WITH ORDINALITY AS v({names}, ordinal) ORDER BY v.ordinal "
        f"RETURNING {quote(returning)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
