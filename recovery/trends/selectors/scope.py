"""Who sees which inboxes and over which period: every trend read starts
from a `Scope` that `trend_scope` made."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from recovery.trends.models import CaseFact
from tickets.models import Inbox, Membership

User = AbstractBaseUser

PERIOD_CHOICES = (30, 90, 180, 365)
# The `inbox` filter's value for every inbox the user manages.
ALL_INBOXES = "all"
DEFAULT_DAYS = 90
MAX_DAYS = 366


def managed_inbox_ids(user: User) -> QuerySet:
    return Membership.objects.filter(
        user_id=user.pk, role=Membership.Role.MANAGER
    ).values("inbox_id")


def managed_inboxes(*, user: User) -> list[Inbox]:
    """Inboxes where the user is a manager, by name."""
    if not user.is_authenticated:
        return []
    return list(Inbox.objects.filter(pk__in=managed_inbox_ids(user)).order_by("name"))


def zone_of(inbox: Inbox) -> str:
    """The inbox's IANA zone; UTC when the stored name is not one."""
    try:
        ZoneInfo(inbox.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return inbox.time_zone


@dataclass(frozen=True)
class Scope:
    """Inboxes the user manages (all, or the one asked for) and a period."""

    inboxes: tuple[Inbox, ...]
    start: datetime
    end: datetime
    days: int | None = None  # None: a custom period

    @property
    def inbox_ids(self) -> list[int]:
        return [i.pk for i in self.inboxes]

    @property
    def zones(self) -> list[str]:
        return [zone_of(i) for i in self.inboxes]

    @property
    def zone(self) -> ZoneInfo:
        """The zone for labels: the inbox's, or UTC across several zones."""
        zones = set(self.zones)
        return ZoneInfo(zones.pop() if len(zones) == 1 else "UTC")

    @property
    def single_inbox(self) -> Inbox | None:
        return self.inboxes[0] if len(self.inboxes) == 1 else None

    def sql_params(self) -> dict[str, Any]:
        return {
            "inbox_ids": self.inbox_ids,
            "zones": self.zones,
            "start": self.start,
            "end": self.end,
        }


def trend_scope(
    *,
    user: User,
    inbox: str | None = None,
    days: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    now: datetime | None = None,
) -> Scope:
    """The user's scope: 403 unless they manage an inbox, 404 for an inbox
    (slug) they do not manage. `inbox` is a slug, `all` for every inbox the
    user manages, or empty for the one of them with the most recovery cases
    in the period (hours and weeks are an inbox's own). The period is the
    last `days` (default 90), or `date_from` to `date_to` inclusive (at most
    a year)."""
    managed = managed_inboxes(user=user)
    if not managed:
        raise PermissionDenied(_("Managers only."))
    if inbox == ALL_INBOXES:
        chosen = managed
    elif inbox:
        chosen = [i for i in managed if i.slug == inbox]
        if not chosen:
            raise Http404(_("No such inbox."))
    else:
        chosen = managed
    now = now or timezone.now()
    scope = _period(chosen, days, date_from, date_to, now)
    if not inbox and len(chosen) > 1:
        busiest = _busiest(scope)
        scope = _period([busiest], days, date_from, date_to, now)
    return scope


def _busiest(scope: Scope) -> Inbox:
    """The scope's inbox with the most recovery cases in the period (the
    first by name when none has any)."""
    counts = dict(
        CaseFact.objects.filter(
            inbox_id__in=scope.inbox_ids,
            opened_at__gte=scope.start,
            opened_at__lt=scope.end,
        )
        .values("inbox_id")
        .annotate(n=Count("pk"))
        .values_list("inbox_id", "n")
    )
    return max(
        scope.inboxes, key=lambda i: (counts.get(i.pk, 0), -scope.inboxes.index(i))
    )


def _period(
    chosen: list[Inbox] | tuple[Inbox, ...],
    days: int | None,
    date_from: date | None,
    date_to: date | None,
    now: datetime,
) -> Scope:
    zone = ZoneInfo(zone_of(chosen[0]))
    if date_from or date_to:
        last = date_to or timezone.localdate(now, zone)
        first = date_from or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            first, last = last, first
        first = max(first, last - timedelta(days=MAX_DAYS - 1))
        start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
        end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
        return Scope(inboxes=tuple(chosen), start=start, end=end)
    days = days if days in PERIOD_CHOICES else DEFAULT_DAYS
    return Scope(
        inboxes=tuple(chosen), start=now - timedelta(days=days), end=now, days=days
    )


def weeks_of(scope: Scope) -> list[date]:
    """The Mondays of the local weeks the period touches."""
    first = timezone.localtime(scope.start, scope.zone).date()
    last = timezone.localtime(scope.end - timedelta(microseconds=1), scope.zone).date()
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks
