"""Business hours: Monday to Friday, 9:00 to 17:00 wall-clock time in the
inbox's time zone. Used for warning windows such as "4 working hours"."""

import zoneinfo
from datetime import datetime, time, timedelta

DAY_START = time(9, 0)
DAY_END = time(17, 0)
WORKDAYS = frozenset(range(5))  # Monday .. Friday


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The named zone, or UTC when the name is unknown."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def subtract_working_time(end: datetime, amount: timedelta, time_zone: str) -> datetime:
    """The latest moment from which `amount` of business time passes until `end`.

    Walks back over wall-clock days, so a daylight-saving change moves no
    business hour; the result is aware, in the given zone."""
    tz = zone(time_zone)
    # Naive wall-clock arithmetic: business hours are wall-clock hours.
    cursor = end.astimezone(tz).replace(tzinfo=None)
    remaining = amount
    if remaining <= timedelta(0):
        return end
    for _day in range(3660):  # ten years of calendar days is plenty
        start = datetime.combine(cursor.date(), DAY_START)
        stop = min(cursor, datetime.combine(cursor.date(), DAY_END))
        if cursor.weekday() in WORKDAYS and stop > start:
            available = stop - start
            if available >= remaining:
                return (stop - remaining).replace(tzinfo=tz)
            remaining -= available
        cursor = datetime.combine(cursor.date() - timedelta(days=1), DAY_END)
    raise ValueError("window too long")


def warning_start(
    *, due_at: datetime, hours: float, working: bool, time_zone: str
) -> datetime:
    """When a promise due at `due_at` enters its warning window."""
    window = timedelta(hours=hours)
    if working:
        return subtract_working_time(due_at, window, time_zone)
    return due_at - window
