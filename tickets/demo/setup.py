"""Seed the demo: staff, inboxes, memberships and components (reset on every
run) and, once, the customers and their tickets."""

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from followups.demo import seed_followups_demo
from helpdesk.celery import app as celery_app
from helpdesk.exceptions import DomainError
from recovery.demo import seed_recovery_demo
from recovery.trends.demo import seed_trends_demo
from tickets import services
from tickets.demo import data
from tickets.demo.plan import People, make_plans
from tickets.demo.play import Player
from tickets.models import AgentProfile, Component, Customer, Inbox, Membership, Ticket

SEED = 42


def demo_tickets():
    """The tickets of the demo customers."""
    return Ticket.objects.filter(customer__email__in=data.DEMO_EMAILS)


def seed_demo(*, reset: bool = False) -> bool:
    """Set up the demo; False when its tickets were already there."""
    with _send_tasks_in_process(), transaction.atomic():
        staff = _upsert_staff()
        inboxes = _upsert_inboxes()
        _upsert_memberships(staff, inboxes)
        components = {
            name: Component.objects.get_or_create(name=name)[0]
            for name in data.COMPONENTS
        }
        if reset:
            _wipe(inboxes)
        if demo_tickets().exists():
            return False
        # Round robin starts afresh, so the same tickets reach the same agents.
        Membership.objects.filter(inbox__in=inboxes.values()).update(
            last_assigned_at=None
        )
        rng = random.Random(SEED)  # noqa: S311 - repeatable demo, not a secret
        now = timezone.now()
        plans = make_plans(rng=rng, now=now, people=_customers())
        player = Player(
            rng=rng, now=now, staff=staff, inboxes=inboxes, components=components
        )
        for plan in plans:
            player.play(plan)
        player.backdate()
        seed_recovery_demo(tickets=demo_tickets(), staff=staff)
        seed_followups_demo(tickets=demo_tickets(), staff=staff)
        seed_trends_demo(staff=staff)
    return True


@contextmanager
def _send_tasks_in_process() -> Iterator[None]:
    """Run the send tasks that replies enqueue on commit in this process, not
    through the broker. Their outbox rows are marked sent before commit and
    `outbound_send` claims only queued rows, so each task does nothing and no
    demo customer is mailed, whether or not a worker or broker is running."""
    before = celery_app.conf.task_always_eager
    trace_logger = logging.getLogger("celery.app.trace")
    level = trace_logger.level
    celery_app.conf.task_always_eager = True
    trace_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = before
        trace_logger.setLevel(level)


def _upsert_staff() -> dict:
    """Demo staff with the documented password; rerunning resets it."""
    password = make_password(data.DEMO_PASSWORD)  # hashing is slow; once is enough
    staff = {}
    for username, first, last, language, tz in data.STAFF:
        user, _created = get_user_model().objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@amends.example",
                "is_active": True,
                "is_staff": username in data.ADMINS,
                "is_superuser": username in data.ADMINS,
                "password": password,
            },
        )
        AgentProfile.objects.update_or_create(
            user=user, defaults={"language": language, "time_zone": tz}
        )
        staff[username] = user
    return staff


def _upsert_inboxes() -> dict[str, Inbox]:
    return {
        slug: Inbox.objects.update_or_create(
            slug=slug, defaults={**fields, "time_zone": "Europe/Berlin"}
        )[0]
        for slug, fields in data.INBOXES.items()
    }


def _upsert_memberships(staff: dict, inboxes: dict[str, Inbox]) -> None:
    for username, slug, role, per_offer, per_month, cap in data.MEMBERSHIPS:
        Membership.objects.update_or_create(
            user=staff[username],
            inbox=inboxes[slug],
            defaults={
                "role": role,
                "per_offer_limit_amount": Decimal(per_offer),
                "per_month_limit_amount": Decimal(per_month),
                "currency": "EUR",
                "open_ticket_cap": cap,
                "is_away": False,
            },
        )


def _customers() -> People:
    people: People = {"en": [], "de": []}
    for demo in data.CUSTOMERS:
        customer = services.customer_get_or_create(
            email=demo.email,
            name=demo.name,
            phone=demo.phone,
            preferred_channel=demo.channel,
            language=demo.language,
            time_zone=demo.time_zone,
        )
        people[demo.language].append((demo, customer))
    return people


def _wipe(inboxes: dict[str, Inbox]) -> None:
    """Delete the demo customers and everything on their tickets."""
    try:
        demo_tickets().delete()
        Customer.objects.filter(email__in=data.DEMO_EMAILS).delete()
    except ProtectedError as exc:
        raise DomainError(f"The demo tickets cannot be deleted: {exc}") from exc
    for inbox in inboxes.values():
        # References start at PREFIX-1001 again when nothing else is left.
        if not inbox.tickets.exists():
            Inbox.objects.filter(pk=inbox.pk).update(last_ticket_number=1000)
