"""Set-based writes for the intake's batches: ids drawn from the tables'
sequences, rows written with COPY, changes with one UPDATE ... FROM unnest().
Django's bulk_create and bulk_update build one placeholder or CASE per value,
which costs more than the database work for a hundred wide rows."""

import functools
import operator
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import psycopg
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.db import connection
from django.db import models as fields
from django.db.models import Field, Model
from django.db.models.expressions import DatabaseDefault
from django.utils.text import get_valid_filename

from tickets.mail.parse import ParsedAttachment
from tickets.models import Attachment, Message


def draw_ids(groups: list[list[Model]]) -> None:
    """Give unsaved objects (one model per group) the next ids of their
    tables' sequences, in order, in one query."""
    quote = connection.ops.quote_name
    parts, params = [], []
    for index, objs in enumerate(groups):
        meta = objs[0]._meta
        parts.append(
            "SELECT %s, nextval(pg_get_serial_sequence(%s, %s))"
            " FROM generate_series(1, %s)"
        )
        params += [index, quote(meta.db_table), meta.pk.column, len(objs)]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        drawn = cursor.fetchall()
    ids: list[list[int]] = [[] for _group in groups]
    for index, pk in drawn:
        ids[index].append(pk)
    for objs, group_ids in zip(groups, ids, strict=True):
        for obj, pk in zip(objs, sorted(group_ids), strict=True):
            obj.pk = pk


def copy_rows(objs: list[Model]) -> None:
    """INSERT objects of one model that already have their ids with COPY: a
    fifth of bulk_create's cost per row. Files of file fields are saved."""
    meta = objs[0]._meta
    fields = insertable_fields(objs)
    if fields is None:
        meta.model.objects.bulk_create(objs)
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    connection.ensure_connection()
    with (
        connection.wrap_database_errors,
        psycopg.Cursor(connection.connection) as cursor,
        cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        columns = [_column(f, insert=True) for f in fields]
        for obj in objs:
            copy.write_row([convert(read(obj)) for read, convert in columns])
    alias = connection.alias
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


def insertable_fields(objs: list[Model]) -> list[Field] | None:
    """The columns to write for these objects (with ids); None when some
    leave a column to its database default and others do not."""
    fields = []
    for field in objs[0]._meta.concrete_fields:
        if getattr(field, "generated", False):
            continue
        if not field.has_db_default():
            # Only such a field's default is DatabaseDefault().
            fields.append(field)
            continue
        defaulted = {
            isinstance(getattr(obj, field.attname), DatabaseDefault) for obj in objs
        }
        if defaulted == {True}:
            continue
        if len(defaulted) > 1:
            return None
        fields.append(field)
    return fields


def update_rows(*changes: tuple[Iterable[Model], list[str]]) -> None:
    """Write fields of saved objects, (objects of one model, field names) per
    change, in one statement: an UPDATE ... FROM unnest(...) per change, with
    one array per column, the others run as WITH queries. The text stays the
    same whatever the number of rows, where bulk_update's CASE expressions
    (or a VALUES list) cost more to build and to plan than to run, and all
    of them take one round trip. Not for array fields (unnest would flatten
    them)."""
    statements, params = [], []
    for objs, names in changes:
        statement, values = _update_statement(list(objs), names)
        statements.append(statement)
        params += values
    *first, last = statements
    ctes = ", ".join(f"u{n} AS ({sql} RETURNING 1)" for n, sql in enumerate(first))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {ctes} {last}" if ctes else last, params)


def _update_statement(objs: list[Model], names: list[str]) -> tuple[str, list]:
    meta = objs[0]._meta
    fields = [meta.get_field(name) for name in names]
    if any(isinstance(f, ArrayField) for f in fields):
        raise ValueError("update_rows cannot write array fields.")
    quote = connection.ops.quote_name
    columns = [quote(meta.pk.column), *(quote(f.column) for f in fields)]
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in [meta.pk, *fields])
    params = [[obj.pk for obj in objs]]
    for field in fields:
        read, convert = _column(field, insert=False)
        params.append([convert(read(obj)) for obj in objs])
    # Identifiers come from the model's metadata; values travel as parameters.
    table, pk = quote(meta.db_table), columns[0]
    assignments = ", ".join(f"{c} = v.{c}" for c in columns[1:])
    statement = (
        f"UPDATE {table} AS t SET {assignments} "  # noqa: S608
        f"FROM unnest({arrays}) AS v ({', '.join(columns)}) WHERE t.{pk} = v.{pk}"
    )
    return statement, params


# Field classes whose conversion for the database leaves a value of this
# type as it is (get_db_prep_save would return the very same object).
_AS_IS: dict[type[Field], type] = {
    **dict.fromkeys(
        [fields.CharField, fields.TextField, fields.EmailField, fields.SlugField],
        str,
    ),
    fields.BooleanField: bool,
    **dict.fromkeys(
        [
            fields.IntegerField,
            fields.SmallIntegerField,
            fields.BigIntegerField,
            fields.PositiveIntegerField,
            fields.PositiveSmallIntegerField,
            fields.PositiveBigIntegerField,
            fields.AutoField,
            fields.SmallAutoField,
            fields.BigAutoField,
        ],
        int,
    ),
}
_PLAIN_PRE_SAVE = {
    Field.pre_save,
    fields.DateField.pre_save,
    fields.DateTimeField.pre_save,
}


@functools.cache
def db_value(field: Field) -> Callable[[Any], Any]:
    """field.get_db_prep_save as a function of the value, without the cost of
    that call for the plain values most columns hold (text, numbers, flags,
    aware times, ids), which it would return as they are."""
    prepare = field.get_db_prep_save
    plain = _AS_IS.get(type(field.target_field if field.is_relation else field))
    if type(field) is fields.DateTimeField:

        def convert(v: Any) -> Any:
            if v is None or (isinstance(v, datetime) and v.tzinfo is not None):
                return v
            return prepare(v, connection)

    elif plain is str:

        def convert(v: Any) -> Any:
            return v if v is None or isinstance(v, str) else prepare(v, connection)

    elif plain is not None:
        # Exact types: True is an int, but not an integer to PostgreSQL.
        def convert(v: Any) -> Any:
            return v if v is None or type(v) is plain else prepare(v, connection)

    else:

        def convert(v: Any) -> Any:
            return prepare(v, connection)

    return convert


@functools.cache
def _column(
    field: Field, *, insert: bool
) -> tuple[Callable[[Model], Any], Callable[[Any], Any]]:
    """How to read what to write for `field` from an object (its value,
    pre_save's when inserting, a relation's id) and prepare it for the
    database."""
    if field.is_relation:
        read = functools.partial(_value, field=field)
    elif insert and (
        type(field).pre_save not in _PLAIN_PRE_SAVE
        or getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
    ):
        read = functools.partial(field.pre_save, add=True)
    else:
        read = operator.attrgetter(field.attname)
    return read, db_value(field)


def _value(obj: Model, field: Field) -> object:
    """A relation's id to write: that of the object set on it, which may have
    been saved only after it was set (the id is copied onto `obj`)."""
    if field.is_cached(obj):
        related = field.get_cached_value(obj)
        if related is not None:
            if related.pk is None:
                raise ValueError(f"{field.name} of {obj!r} is not saved yet.")
            # As assigning the object again would, keeping it cached.
            obj.__dict__[field.attname] = value = getattr(
                related, field.target_field.attname
            )
            return value
    return getattr(obj, field.attname)


def attachment_for(message: Message, attachment: ParsedAttachment) -> Attachment:
    """The unsaved Attachment row of a kept attachment."""
    try:
        stored_name = get_valid_filename(attachment.filename)
    except SuspiciousFileOperation:
        stored_name = "attachment"
    return Attachment(
        message=message,
        file=ContentFile(attachment.payload, name=stored_name[:100]),
        filename=attachment.filename,
        content_type=attachment.content_type[:200],
        size=len(attachment.payload),
    )
