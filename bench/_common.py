"""Helpers shared by the benchmark scripts: a fresh database, fast bulk loads,
request timing with query counts, and percentiles.

Scripts import this before Django is configured: call `use_database()` and then
`setup_django()` first, and import models only after that."""

import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


def log(message: str) -> None:
    """Progress goes to stderr so stdout carries only the JSON result."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextmanager
def step(label: str) -> Iterator[None]:
    """Log how long a block took."""
    started = time.perf_counter()
    log(f"{label} ...")
    yield
    log(f"{label}: {time.perf_counter() - started:.1f} s")


# --- databases -----------------------------------------------------------------


def database_url(name: str) -> str:
    """DATABASE_URL (or the local default server) pointed at database `name`."""
    parts = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_SERVER)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin_connect(url: str):
    import psycopg

    return psycopg.connect(database_url_for(url, "postgres"), autocommit=True)


def database_url_for(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def database_exists(url: str) -> bool:
    with _admin_connect(url) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url)]
        ).fetchone()
    return row is not None


def recreate_database(url: str) -> None:
    """Drop the database (closing its sessions) and create it empty."""
    from psycopg import sql

    name = sql.Identifier(database_name(url))
    with _admin_connect(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def clone_database(template_url: str, url: str) -> None:
    """Drop the database at `url` and create it as a copy of `template_url`
    (a file copy: much faster than seeding again)."""
    from psycopg import sql

    name = sql.Identifier(database_name(url))
    template = sql.Identifier(database_name(template_url))
    with _admin_connect(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(name, template))


def drop_database(url: str) -> None:
    from psycopg import sql

    name = sql.Identifier(database_name(url))
    with _admin_connect(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def use_database(url: str) -> None:
    """Environment for a production-like Django on `url`, before setup."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    # Measure what production runs: DEBUG off, plain HTTP from the test client.
    os.environ["DEBUG"] = "0"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["SESSION_COOKIE_SECURE"] = "0"
    os.environ["CSRF_COOKIE_SECURE"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")


def setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django
    from django.db.backends.signals import connection_created

    django.setup()
    connection_created.connect(_start_scans_at_the_beginning)


def _start_scans_at_the_beginning(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Make every sequential scan start at block 0.

    With synchronized scans on, a scan starts where the last one stopped, so a
    LIMIT-ed scan repeated 60 times finds its rows at once and a plan that
    reads the whole table looks fast. A production server runs other scans in
    between; measure the honest case."""
    with connection.cursor() as cursor:
        cursor.execute("SET synchronize_seqscans = off")


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# --- bulk loading --------------------------------------------------------------


def execute(sql_text: str, params: Any = None) -> int:
    """Run one statement on Django's connection; return the affected row count."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql_text, params)
        return cursor.rowcount


def scalar(sql_text: str, params: Any = None) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql_text, params)
        row = cursor.fetchone()
    return row[0] if row else None


def row(sql_text: str, params: Any = None) -> tuple:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql_text, params)
        return cursor.fetchone()


def rows(sql_text: str, params: Any = None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql_text, params)
        return cursor.fetchall()


@contextmanager
def bulk_load_session() -> Iterator[None]:
    """Session settings for loading generated, consistent data quickly.

    Foreign-key triggers are skipped (session_replication_role = replica, which
    needs a superuser): the generator only writes ids that exist."""
    execute("SET synchronous_commit = off")
    execute("SET maintenance_work_mem = '1GB'")
    execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        execute("SET session_replication_role = DEFAULT")
        execute("RESET maintenance_work_mem")
        execute("RESET synchronous_commit")


@contextmanager
def indexes_dropped(*tables: str) -> Iterator[None]:
    """Drop the plain (non-constraint) indexes of `tables`, rebuild them after.

    One sorted build per index is much faster than a million insertions."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            JOIN pg_class t ON t.oid = i.indrelid
            LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid
            WHERE t.relname = ANY(%s) AND c.oid IS NULL
            """,
            [list(tables)],
        )
        saved = cursor.fetchall()
        for name, _definition in saved:
            cursor.execute(f"DROP INDEX {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for _name, definition in saved:
                cursor.execute(definition)


def analyze(*tables: str) -> None:
    for table in tables:
        execute(f"ANALYZE {table}")


def insert_select(
    model: Any,
    values: dict[str, str],
    source: str,
    params: dict[str, Any] | None = None,
    *,
    with_clause: str = "",
) -> int:
    """INSERT INTO model's table SELECT `values` FROM `source`, set-based.

    `values` maps column names to SQL expressions; every other column gets the
    field's default (one value for all rows) or NULL, so fields added to the
    model later do not break the seeding. Placeholders are named (%(x)s)."""
    from django.db import connection

    fields = {f.column: f for f in model._meta.concrete_fields}
    unknown = set(values) - set(fields)
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
    params = dict(params or {})
    columns, expressions = [], []
    for column, model_field in fields.items():
        if column in values:
            expression = values[column]
        elif model_field.primary_key:
            continue
        elif model_field.has_default() or (
            # Django's default for a non-null text field without one is "".
            not model_field.null and model_field.empty_strings_allowed
        ):
            key = f"default_{column}"
            default = model_field.get_default()
            params[key] = model_field.get_db_prep_save(default, connection)
            expression = f"%({key})s::{model_field.db_type(connection)}"
        elif model_field.null:
            expression = "NULL"
        else:
            raise ValueError(f"{model.__name__}.{model_field.name} needs a value")
        columns.append(connection.ops.quote_name(column))
        expressions.append(expression)
    table = connection.ops.quote_name(model._meta.db_table)
    # Identifiers come from model metadata; values travel as parameters.
    statement = (
        f"{with_clause} INSERT INTO {table} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} {source}"
    )
    return execute(statement, params)


def copy_rows(table: str, columns: Sequence[str], rows: Iterator[Sequence]) -> None:
    """COPY rows into `table` through psycopg 3 (for data generated in Python)."""
    from django.db import connection

    connection.ensure_connection()
    cols = ", ".join(columns)
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


# --- measuring -----------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), interpolated between closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Sample:
    """Latencies, SQL time (ms) and query counts of repeated requests to a page."""

    latencies_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        counts = sorted(set(self.queries))
        return {
            "p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "p95_ms": round(percentile(self.latencies_ms, 95), 1),
            # Time waiting on the database, and this process's CPU time: the
            # CPU figure barely moves when other work shares the machine.
            "sql_p50_ms": round(percentile(self.sql_ms, 50), 1),
            "cpu_p50_ms": round(percentile(self.cpu_ms, 50), 1),
            "requests": len(self.latencies_ms),
            # One number when every request ran the same count.
            "queries": counts[0] if len(counts) == 1 else counts,
        }


class _QueryTimer:
    """An execute wrapper that records each statement and its duration."""

    def __init__(self) -> None:
        self.durations: list[float] = []
        self.raw: list[tuple[Any, str, Any]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.durations.append(time.perf_counter() - started)
            self.raw.append((context["connection"], sql, params))

    def statements(self) -> list[str]:
        """The statements with their parameters, for EXPLAIN and reading."""
        return [
            conn.ops.compose_sql(sql, params) if params else sql
            for conn, sql, params in self.raw
        ]


def measure(
    request: Callable[[], Any],
    *,
    requests: int,
    warmup: int = 5,
    check: Callable[[Any], None] | None = None,
) -> Sample:
    """Time `request()` `requests` times after `warmup` calls, counting queries."""
    from django.db import connection

    for _ in range(warmup):
        response = request()
        if check:
            check(response)
    sample = Sample()
    for _ in range(requests):
        timer = _QueryTimer()
        with connection.execute_wrapper(timer):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = request()
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
        if check:
            check(response)
        sample.latencies_ms.append(elapsed * 1000)
        sample.cpu_ms.append(cpu * 1000)
        sample.sql_ms.append(sum(timer.durations) * 1000)
        sample.queries.append(len(timer.durations))
        sample.statements = timer.statements()
    return sample


def explain(sql_text: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement, as text."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql_text}")
        return "\n".join(row[0] for row in cursor.fetchall())
