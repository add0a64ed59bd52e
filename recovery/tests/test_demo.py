"""The demo recovery cases: every state, both languages, realistic offers,
seeded once and without sending email."""

import re

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from recovery.demo import SCENARIOS, demo_cases, seed_recovery_demo
from recovery.models import ChoiceRequest, Offer, RecoveryCase
from tickets.demo.setup import demo_tickets, seed_demo
from tickets.models import OutboundEmail

Status = RecoveryCase.Status


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed the demo once for the module; rolled back afterwards."""
    fast_hasher = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    with fast_hasher, django_db_blocker.unblock(), transaction.atomic():
        mail.outbox = []
        seed_demo()
        yield list(mail.outbox)
        transaction.set_rollback(True)


def test_there_is_a_case_in_every_state(seeded, db):
    statuses = set(demo_cases(demo_tickets()).values_list("status", flat=True))
    assert statuses == set(Status.values)


def test_cases_are_in_english_and_german(seeded, db):
    languages = set(
        demo_cases(demo_tickets()).values_list("ticket__customer__language", flat=True)
    )
    assert languages == {"en", "de"}


def test_offers_show_every_way_authority_works(seeded, db):
    offers = Offer.objects.filter(case__in=demo_cases(demo_tickets()))
    assert offers.filter(is_within_authority=True).exists()
    assert offers.filter(status=Offer.Status.PENDING).exists()
    assert (
        offers.filter(status=Offer.Status.REJECTED).exclude(decision_note="").exists()
    )
    amended = [o for o in offers.filter(status=Offer.Status.APPROVED) if o.is_amended]
    assert amended


def test_a_broken_promise_waits_for_the_customer_with_a_live_link(seeded, db):
    request = ChoiceRequest.objects.get(
        case__in=demo_cases(demo_tickets()), status=ChoiceRequest.Status.SENT
    )
    assert request.case.status == Status.AWAITING_CUSTOMER
    assert request.case.ticket.customer.language == "de"
    assert request.expires_at > timezone.now()
    path = re.search(
        r"https?://[^/\s]+(/recovery/choice/\S+)", request.message.body_text
    )
    response = Client().get(path.group(1))
    assert response.status_code == 200
    assert "Lund Plus" in response.text


def test_a_repeat_customer_has_an_unlikely_outlook(seeded, db):
    escalated = demo_cases(demo_tickets()).get(status=Status.ESCALATED)
    assert escalated.prior_failure_count == 1


def test_no_email_goes_out_and_nothing_is_left_queued(seeded, db):
    assert seeded == []
    assert not OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED).exists()


def test_case_history_fits_the_tickets_and_ends_before_now(seeded, db):
    now = timezone.now()
    for case in demo_cases(demo_tickets()).select_related("ticket"):
        assert case.ticket.created_at <= case.opened_at <= now
        events = list(case.events.values_list("created_at", flat=True))
        assert events == sorted(events)
        assert events[-1] <= now


def test_seeding_again_adds_no_cases(seeded, db):
    before = demo_cases(demo_tickets()).count()
    assert before >= len(SCENARIOS)
    seed_recovery_demo(tickets=demo_tickets(), staff={})
    assert seed_demo() is False
    assert demo_cases(demo_tickets()).count() == before
