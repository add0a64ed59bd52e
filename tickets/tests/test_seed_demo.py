"""`manage.py seed_demo`: realistic, idempotent demo data."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from tickets.demo import data as demo_data
from tickets.demo.setup import demo_tickets
from tickets.models import (
    Customer,
    Inbox,
    Membership,
    Message,
    OutboundEmail,
    Ticket,
    TicketEvent,
)

User = get_user_model()


def run_seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module; everything is rolled back afterwards."""
    # The same fast hasher the function-scoped settings fixture installs.
    fast_hasher = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with fast_hasher, django_db_blocker.unblock(), transaction.atomic():
        output = run_seed()
        yield output
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "inboxes": Inbox.objects.count(),
        "memberships": Membership.objects.count(),
        "customers": Customer.objects.count(),
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "events": TicketEvent.objects.count(),
    }


def test_first_run_prints_summary_and_logins(seeded, db):
    # given the command ran once (fixture)
    # then its output names the ticket count and every demo login
    assert "300 tickets" in seeded
    assert "password demo12345" in seeded
    for username in ("maria", "alex", "jonas", "priya"):
        assert f"  {username} " in seeded


def test_second_run_creates_no_duplicates(seeded, db):
    # given the seeded demo
    before = counts()

    # when it is run again
    output = run_seed()

    # then nothing new is created and it says so
    assert "Demo data already present" in output
    assert counts() == before
    # The demo customers' own; the trends history adds tickets of its own.
    assert demo_tickets().count() == 300
    assert Customer.objects.filter(email__in=demo_data.DEMO_EMAILS).count() == len(
        demo_data.CUSTOMERS
    )


def test_second_run_resets_passwords_and_limits(seeded, db):
    # given someone changed a demo password and an agent's limit
    alex = User.objects.get(username="alex")
    alex.set_password("something-else-1")
    alex.save()
    Membership.objects.filter(user=alex).update(per_offer_limit_amount=999)

    # when the command runs again
    run_seed()

    # then the documented login and the specified limit are back
    assert Client().login(username="alex", password="demo12345")
    membership = Membership.objects.get(user__username="alex", inbox__slug="support")
    assert membership.per_offer_limit_amount == Decimal("50.00")


def test_reset_reseeds_the_same_amount(seeded, db):
    # given the seeded demo
    before = counts()

    # when it is reset
    output = run_seed("--reset")

    # then the demo is rebuilt, not doubled, and references start again
    assert "300 tickets" in output
    assert counts()["tickets"] == before["tickets"]
    assert counts()["customers"] == before["customers"]
    assert Ticket.objects.filter(reference="SUP-1001").exists()


def test_every_status_is_present(seeded, db):
    statuses = set(Ticket.objects.values_list("status", flat=True))

    assert statuses == set(Ticket.Status.values)


def test_about_a_third_of_tickets_are_in_german(seeded, db):
    total = Ticket.objects.count()
    german = Ticket.objects.filter(customer__language="de").count()

    assert 0.28 <= german / total <= 0.40
    sample = Ticket.objects.filter(customer__language="de").first()
    first_message = sample.messages.order_by("created_at", "id").first()
    assert any(
        word in first_message.body_text for word in ("Bestellung", "ich", "Ihnen")
    )


def test_every_category_of_complaint_is_present(seeded, db):
    categories = set(Ticket.objects.values_list("category", flat=True))

    assert {
        "late_delivery",
        "billing",
        "defect",
        "broken_promise",
        "conduct",
        "question",
    } <= categories


def test_memberships_and_limits_are_as_specified(seeded, db):
    rows = {
        (m.user.username, m.inbox.slug): (
            m.role,
            m.per_offer_limit_amount,
            m.per_month_limit_amount,
            m.open_ticket_cap,
        )
        for m in Membership.objects.select_related("user", "inbox")
    }

    manager, agent = Membership.Role.MANAGER, Membership.Role.AGENT
    assert rows == {
        ("maria", "support"): (manager, Decimal(1000), Decimal(10000), None),
        ("maria", "billing"): (manager, Decimal(1000), Decimal(10000), None),
        ("alex", "support"): (agent, Decimal(50), Decimal(300), None),
        ("jonas", "support"): (agent, Decimal(100), Decimal(800), None),
        ("jonas", "billing"): (agent, Decimal(100), Decimal(800), None),
        ("priya", "billing"): (agent, Decimal(25), Decimal(150), 40),
    }


def test_inboxes_are_configured(seeded, db):
    support = Inbox.objects.get(slug="support")
    billing = Inbox.objects.get(slug="billing")

    assert (support.email_address, support.reference_prefix) == (
        "support@amends.example",
        "SUP",
    )
    assert support.expected_first_response == timedelta(hours=4)
    assert support.auto_assign is True
    assert billing.reference_prefix == "BIL"
    assert billing.expected_first_response == timedelta(hours=8)
    assert support.signature
    assert billing.signature


def test_demo_logins_work_and_only_maria_is_admin(seeded, db):
    for username in ("maria", "alex", "jonas", "priya"):
        assert Client().login(username=username, password="demo12345")

    admins = set(
        User.objects.filter(is_staff=True, is_superuser=True).values_list(
            "username", flat=True
        )
    )
    assert admins == {"maria"}
    assert User.objects.get(username="jonas").agent_profile.language == "de"


def test_no_outbox_row_is_left_queued(seeded, db):
    replies = Message.objects.filter(kind=Message.Kind.REPLY)

    assert replies.count() > 300
    assert OutboundEmail.objects.count() == replies.count()
    assert not OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT).exists()
    assert not OutboundEmail.objects.filter(sent_at=None).exists()


def test_history_is_spread_over_the_last_90_days_in_order(seeded, db):
    now = timezone.now()
    created = Ticket.objects.values_list("created_at", flat=True)

    assert min(created) >= now - timedelta(days=91)
    assert min(created) <= now - timedelta(days=60)
    assert not Message.objects.filter(created_at__gt=now).exists()
    assert not TicketEvent.objects.filter(created_at__gt=now).exists()
    for ticket in Ticket.objects.exclude(status=Ticket.Status.NEW)[:50]:
        times = list(
            ticket.messages.order_by("id").values_list("created_at", flat=True)
        )
        assert times == sorted(times)
        assert times[0] == ticket.created_at
        assert ticket.updated_at >= ticket.created_at


def test_answered_tickets_record_their_first_response(seeded, db):
    answered = Ticket.objects.filter(messages__kind=Message.Kind.REPLY).distinct()

    assert answered.exists()
    assert not answered.filter(first_response_at=None).exists()
    closed = Ticket.objects.filter(status=Ticket.Status.CLOSED)
    assert not closed.filter(closed_at=None).exists()
    assert not closed.filter(resolved_at=None).exists()


def test_complaint_texts_cover_every_topic_they_use():
    # the command picks follow-ups by topic; each opening must find them
    assert len(demo_data.OPENINGS["en"]) >= 25
    assert len(demo_data.OPENINGS["de"]) >= 12
    for lang, openings in demo_data.OPENINGS.items():
        for opening in openings:
            assert opening.topic in demo_data.REPLY_ACK[lang]
            assert opening.topic in demo_data.CUSTOMER_ANSWERS[lang]
            assert opening.topic in demo_data.NOTES[lang]
            if opening.topic == "question":
                assert opening.answer
            else:
                assert opening.topic in demo_data.REPLY_RESOLVE[lang]
