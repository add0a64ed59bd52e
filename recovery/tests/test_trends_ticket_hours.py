"""Tickets counted per complete hour for the trends: the same figures as
counting every ticket, in each inbox's own time zone (whole, half and
three-quarter hour offsets, daylight saving), kept up to date as tickets
change."""

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from recovery.trends import selectors, services
from recovery.trends.models import TicketHour, TicketHourMark
from tickets.models import Membership, Ticket
from tickets.tests.factories import (
    InboxFactory,
    MembershipFactory,
    TicketFactory,
    UserFactory,
)

# Every kind of offset: whole hours with daylight saving, half hours (with
# and without daylight saving), three quarters, and a 30-minute DST shift.
ZONES = (
    "Europe/Berlin",
    "Asia/Kolkata",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
)
NOW = datetime(2025, 11, 3, 10, 20, 30, tzinfo=UTC)
CATEGORIES = ("late_delivery", "question", "billing", "")


def _truth(inboxes, start, end) -> dict:
    """What the figures must be: every ticket's own local hour and weekday."""
    counts: Counter = Counter()
    complaints: Counter = Counter()
    zones = {i.pk: ZoneInfo(i.time_zone) for i in inboxes}
    tickets = Ticket.objects.filter(
        inbox__in=inboxes, created_at__gte=start, created_at__lt=end
    )
    for inbox_id, created, assignee, category in tickets.values_list(
        "inbox_id", "created_at", "assignee_id", "category"
    ):
        local = created.astimezone(zones[inbox_id])
        key = (local.weekday(), local.hour, assignee)
        counts[key] += 1
        complaints[key] += category in selectors.COMPLAINT_CATEGORIES
    return {k: (n, complaints[k]) for k, n in counts.items()}


@pytest.fixture
def manager_of_all(db):
    """A manager of one inbox per zone, each with random tickets over the
    last seven months (both daylight-saving changes), some on the second
    just before an hour."""
    rng = random.Random(7)
    manager = UserFactory(username="maria")
    agents = [UserFactory() for _ in range(3)]
    for zone in ZONES:
        inbox = InboxFactory(time_zone=zone)
        MembershipFactory(inbox=inbox, user=manager, role=Membership.Role.MANAGER)
        for _ in range(120):
            at = NOW - timedelta(seconds=rng.randrange(0, 210 * 86400))
            if rng.random() < 0.2:
                at = at.replace(minute=59, second=59, microsecond=700_000)
            TicketFactory(
                inbox=inbox,
                created_at=min(at, NOW - timedelta(seconds=1)),
                assignee=rng.choice([*agents, None]),
                category=rng.choice(CATEGORIES),
            )
    return manager


def _tickets(user, **kwargs):
    scope = selectors.trend_scope(user=user, now=NOW, **kwargs)
    return scope, selectors.period_facts(scope=scope).tickets.slots


@pytest.mark.parametrize("days", [30, 90, 180])
def test_hours_give_the_same_figures_as_every_ticket_in_every_zone(
    manager_of_all, days
):
    # given the figures counted from every ticket (no hours yet)
    for zone in ZONES:
        slug = Ticket.objects.filter(inbox__time_zone=zone).first().inbox.slug
        scope, live = _tickets(manager_of_all, inbox=slug, days=days)
        assert live == _truth(scope.inboxes, scope.start, scope.end)
    _scope, every_inbox = _tickets(manager_of_all, inbox="all", days=days)
    # when the hours are counted
    assert services.ticket_hours_refresh(now=NOW) > 0
    # then the figures are the same, one inbox at a time and all together
    for zone in ZONES:
        slug = Ticket.objects.filter(inbox__time_zone=zone).first().inbox.slug
        scope, counted = _tickets(manager_of_all, inbox=slug, days=days)
        assert counted == _truth(scope.inboxes, scope.start, scope.end), zone
    assert _tickets(manager_of_all, inbox="all", days=days)[1] == every_inbox


def test_a_period_of_dates_is_the_same_too(manager_of_all):
    services.ticket_hours_refresh(now=NOW)
    scope = selectors.trend_scope(
        user=manager_of_all,
        inbox="all",
        date_from=date(2025, 3, 20),
        date_to=date(2025, 4, 10),
        now=NOW,
    )
    counted = selectors.period_facts(scope=scope).tickets.slots
    assert counted == _truth(scope.inboxes, scope.start, scope.end)


def test_new_and_changed_tickets_count_at_once_and_in_the_next_refresh(
    manager_of_all,
):
    services.ticket_hours_refresh(now=NOW)
    inbox = Ticket.objects.filter(inbox__time_zone="Asia/Kolkata").first().inbox
    other = Ticket.objects.filter(inbox__time_zone="Europe/Berlin").first().inbox
    # given a ticket of this morning moved to another inbox and reassigned,
    # and a ticket that just came in
    moved = Ticket.objects.filter(inbox=inbox, created_at__lt=NOW).first()
    Ticket.objects.filter(pk=moved.pk).update(
        inbox=other, assignee=None, updated_at=NOW
    )
    TicketFactory(inbox=inbox, created_at=NOW - timedelta(minutes=5))
    scope = selectors.trend_scope(user=manager_of_all, inbox="all", days=90, now=NOW)
    # the new ticket counts at once (the current hour is counted live)
    live_total = selectors.period_facts(scope=scope).tickets.total
    assert live_total == _total(scope)
    # when the minute-by-minute refresh runs
    services.ticket_hours_refresh_recent(now=NOW + timedelta(minutes=1))
    # then both inboxes' hours are right again
    for one in (inbox, other):
        single = selectors.trend_scope(
            user=manager_of_all, inbox=one.slug, days=90, now=NOW
        )
        counted = selectors.period_facts(scope=single).tickets.slots
        assert counted == _truth(single.inboxes, single.start, single.end)


def _total(scope) -> int:
    return Ticket.objects.filter(
        inbox__in=scope.inboxes, created_at__gte=scope.start, created_at__lt=scope.end
    ).count()


def test_an_inbox_that_changes_its_zone_is_counted_from_the_tickets(manager_of_all):
    services.ticket_hours_refresh(now=NOW)
    inbox = Ticket.objects.filter(inbox__time_zone="Asia/Kathmandu").first().inbox
    # when the inbox moves to another zone
    inbox.time_zone = "America/New_York"
    inbox.save()
    scope, counted = _tickets(manager_of_all, inbox=inbox.slug, days=180)
    # then its figures are in the new zone before any refresh
    assert counted == _truth(scope.inboxes, scope.start, scope.end)
    # and the next refresh counts its hours again in the new zone
    services.ticket_hours_refresh_recent(now=NOW + timedelta(minutes=1))
    assert TicketHourMark.objects.get(inbox=inbox).zone == "America/New_York"
    assert _tickets(manager_of_all, inbox=inbox.slug, days=180)[1] == counted


def test_the_refresh_counts_complete_hours_only_and_twice_the_same(inbox):
    TicketFactory(inbox=inbox, created_at=NOW - timedelta(hours=2))
    TicketFactory(inbox=inbox, created_at=NOW - timedelta(minutes=10))
    # when
    services.ticket_hours_refresh(now=NOW)
    services.ticket_hours_refresh(since=NOW - timedelta(minutes=15), now=NOW)
    # then one row for the complete hour; the current one is left to be live
    row = TicketHour.objects.get()
    assert (row.tickets, row.hour) == (1, datetime(2025, 11, 3, 8, tzinfo=UTC))
    mark = TicketHourMark.objects.get(inbox=inbox)
    assert mark.until == datetime(2025, 11, 3, 10, tzinfo=UTC)


def test_the_beat_task_refreshes_the_hours_too(inbox):
    from recovery.trends.tasks import case_facts_refresh_recent_task

    TicketFactory(inbox=inbox, created_at=timezone.now() - timedelta(hours=2))
    case_facts_refresh_recent_task.apply().get()
    assert TicketHour.objects.get().tickets == 1
