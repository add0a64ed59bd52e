"""Running the aggregate statements, and local time in SQL: each inbox's
UTC offset over the period, piece by piece between daylight-saving changes."""

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from recovery.trends.selectors.scope import Scope, zone_of


def fetch_one(sql: str, params: dict[str, Any]) -> tuple:
    """One row of an aggregate statement. JIT is off for it: the statements
    are many small aggregates whose estimates look large to the planner, and
    compiling them costs seconds where running them costs milliseconds. More
    work memory keeps its hash tables (tens of thousands of rows) in memory."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('jit', 'off', true),"
            " set_config('work_mem', '32MB', true)"
        )
        cursor.execute(sql, params)
        return cursor.fetchone()


def json_value(value: Any) -> Any:
    # psycopg returns json columns decoded; text when the column is cast.
    return json.loads(value) if isinstance(value, str) else value


def _offset(zone: ZoneInfo, moment: datetime) -> int:
    return int(moment.astimezone(zone).utcoffset().total_seconds())


def offset_segments(
    zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, int]]:
    """[from, to) pieces of the period with the zone's UTC offset in seconds,
    split where daylight saving starts or ends (found to the microsecond, the
    resolution of a timestamp)."""
    pieces = []
    piece_from, current, probe = start, _offset(zone, start), start
    while probe < end:
        step = min(probe + timedelta(days=7), end)
        if _offset(zone, step) != current:
            low, high = probe, step  # the change lies in (low, high]
            while high - low > timedelta(microseconds=1):
                middle = low + (high - low) / 2
                if _offset(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            if high < end:
                pieces.append((piece_from, high, current))
                piece_from, current = high, _offset(zone, high)
        probe = step
    pieces.append((piece_from, end, current))
    return pieces


def offset_sql(
    scope: Scope, inbox_column: str, time_column: str, params: dict[str, Any]
) -> str:
    """A CASE giving the UTC offset (seconds) of `time_column` in its inbox's
    zone, for times within the period; adds its values to `params`."""
    branches = []
    for inbox in scope.inboxes:
        pieces = offset_segments(ZoneInfo(zone_of(inbox)), scope.start, scope.end)
        for i, (_from, to, offset) in enumerate(pieces):
            key = f"o{len(params)}"
            params[f"{key}_inbox"], params[f"{key}_off"] = inbox.pk, offset
            last = i == len(pieces) - 1
            params[f"{key}_to"] = to
            condition = f"{inbox_column} = %({key}_inbox)s" + (
                "" if last else f" AND {time_column} < %({key}_to)s"
            )
            branches.append(f"WHEN {condition} THEN %({key}_off)s")
    return "(CASE " + " ".join(branches) + " END)"
