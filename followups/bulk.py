"""Set-based inserts for the dispatcher's hot path.

`bulk_create` builds one placeholder per value and prepares each in Python;
for a hundred wide rows that costs more than the database work. Here each
column travels as one array and PostgreSQL unnests them, so a batch is one
short statement whatever its size; a column with one value for every row
travels as that one value."""

import json
from collections.abc import Sequence
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Model

from tickets.mail.rows import db_value


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
    columns, selects, constants, arrays, names, params = [], [], [], [], [], []
    for index, field in enumerate(
        f for f in model._meta.concrete_fields if not f.primary_key
    ):
        if any(field.attname in row or field.name in row for row in rows):
            values = [
                row[field.attname] if field.attname in row else row.get(field.name)
                for row in rows
            ]
            convert = db_value(field)
            values = [v.pk if isinstance(v, Model) else convert(v) for v in values]
        else:
            default = field.get_db_prep_save(field.get_default(), connection)
            values = [default] * len(rows)
        columns.append(quote(field.column))
        first = values[0]
        if all(v is first or v == first for v in values):
            # The same in every row: one parameter rather than an array.
            constants.append(first)
            selects.append(f"%s::{field.db_type(connection)}")
            continue
        name = f"c{index}"
        names.append(name)
        if isinstance(field, ArrayField):
            # A 2-D array would unnest into scalars: ship each list as JSON.
            base = field.base_field.db_type(connection)
            params.append([None if v is None else json.dumps(v) for v in values])
            arrays.append("%s::jsonb[]")
            selects.append(
                f"CASE WHEN v.{name} IS NULL THEN NULL ELSE ARRAY(SELECT "
                f"jsonb_array_elements_text(v.{name}))::{base}[] END"
            )
        else:
            params.append(values)
            arrays.append(f"%s::{field.db_type(connection)}[]")
            selects.append(f"v.{name}")
    if arrays:
        source = (
            f"unnest({', '.join(arrays)}) WITH ORDINALITY AS v({', '.join(names)}, "
            "ordinal)"
        )
    else:
        source, params = "generate_series(1, %s) AS v(ordinal)", [len(rows)]
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608 - identifiers from model metadata
        f"SELECT {', '.join(selects)} FROM {source} ORDER BY v.ordinal "
        f"RETURNING {quote(returning)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*constants, *params])
        return [row[0] for row in cursor.fetchall()]
