"""Shared builders for the trends tests: an inbox with three colleagues on
shifts and a history written by the demo's generator."""

import random
from datetime import datetime

from recovery.trends import demo, services
from tickets.models import Component, Inbox, Membership
from tickets.tests.factories import InboxFactory, MembershipFactory, UserFactory


def team(inbox: Inbox | None = None) -> dict:
    """Priya and Jonas (agents) and Maria (manager) in a Berlin inbox."""
    inbox = inbox or InboxFactory(time_zone="Europe/Berlin")
    people = {}
    for username, first, last, role in (
        ("priya", "Priya", "Shah", Membership.Role.AGENT),
        ("jonas", "Jonas", "Weber", Membership.Role.AGENT),
        ("maria", "Maria", "Keller", Membership.Role.MANAGER),
    ):
        user = UserFactory(username=username, first_name=first, last_name=last)
        MembershipFactory(user=user, inbox=inbox, role=role)
        people[username] = user
    return {"inbox": inbox, **people}


def history(
    people: dict,
    *,
    now: datetime,
    seed: int = 1,
    planted: bool = True,
    change: bool = True,
    days: int = demo.DAYS,
) -> demo.History:
    """The demo's history for this team, with or without the planted patterns."""
    components = {
        name: Component.objects.get_or_create(name=name)[0]
        for name, _w in demo.COMPONENT_WEIGHTS
    }
    planted_history = demo.plant_history(
        inbox=people["inbox"],
        shifts={people[name]: shift for name, shift in demo.DEMO_SHIFTS.items()},
        components=components,
        manager=people["maria"],
        now=now,
        rng=random.Random(seed),
        days=days,
        planted_agent=people[demo.PLANTED_AGENT] if planted else None,
        change_weeks_ago=demo.CHANGE_WEEKS_AGO if change else None,
    )
    services.case_facts_refresh()
    return planted_history
