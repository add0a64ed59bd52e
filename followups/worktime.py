"""Business hours: by default Monday to Friday, 9:00 to 17:00 wall-clock time
in the inbox's time zone; each inbox may set its own days, hours and
holidays. Used for warning windows such as "4 working hours"."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True)
class BusinessHours:
    starts: time = time(9, 0)
    ends: time = time(17, 0)
    workdays: frozenset[int] = frozenset(range(5))  # Monday .. Friday
    holidays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays


STANDARD = BusinessHours()


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The named zone, or UTC when the name is unknown."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def subtract_working_time(
    end: datetime,
    amount: timedelta,
    time_zone: str,
    schedule: BusinessHours = STANDARD,
) -> datetime:
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
        start = datetime.combine(cursor.date(), schedule.starts)
        stop = min(cursor, datetime.combine(cursor.date(), schedule.ends))
        if schedule.is_working_day(cursor.date()) and stop > start:
            available = stop - start
            if available >= remaining:
                return (stop - remaining).replace(tzinfo=tz)
            remaining -= available
        cursor = datetime.combine(cursor.date() - timedelta(days=1), schedule.ends)
    raise ValueError("window too long")


def warning_start(
    *,
    due_at: datetime,
    hours: float,
    working: bool,
    time_zone: str,
    schedule: BusinessHours = STANDARD,
) -> datetime:
    """When a promise due at `due_at` enters its warning window."""
    window = timedelta(hours=hours)
    if working:
        return subtract_working_time(due_at, window, time_zone, schedule)
    return due_at - window
