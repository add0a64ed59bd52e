"""Translated templates say everything in both languages: no value lost in a
translated block, no English grammar forced on German words, and the
customer's page in the customer's language."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from freezegun import freeze_time

from followups.models import FollowUp
from followups.tests.factories import FollowUpFactory
from recovery import services
from recovery.models import FailureType, Offer
from recovery.tests.factories import (
    ChoiceRequestFactory,
    OfferFactory,
    PromiseCheckFactory,
    RecoveryCaseFactory,
)
from recovery.tests.test_views import choice_path
from tickets.models import AgentProfile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _restore_language():
    """A request leaves its language active in this thread."""
    with translation.override(translation.get_language()):
        yield


def speaks(user, language: str) -> None:
    AgentProfile.objects.update_or_create(user=user, defaults={"language": language})


# --- the decision on an offer, emailed to its maker --------------------------


@pytest.mark.parametrize(
    ("language", "greeting"),
    [
        ("en", "decided your offer on {ref}:"),
        ("de", "hat über Ihr Angebot zu {ref} entschieden:"),
    ],
)
def test_the_offer_decision_email_names_the_ticket(
    ticket, agent, manager, mailoutbox, language, greeting
):
    # given an approved offer whose maker reads the interface in `language`
    speaks(agent, language)
    offer = OfferFactory(
        case=RecoveryCaseFactory(ticket=ticket, owner=agent),
        created_by=agent,
        status=Offer.Status.APPROVED,
        amount=Decimal("80.00"),
        requested_amount=Decimal("120.00"),
        decided_by=manager,
    )
    # when
    sent = services.offer_notify_maker(offer_id=offer.pk)
    # then
    assert sent == 1
    body = mailoutbox[0].body
    assert greeting.format(ref=ticket.reference) in body
    assert ticket.reference in mailoutbox[0].subject


# --- follow-ups --------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "channel", "expected"),
    [
        ("en", FollowUp.Channel.PHONE, "by phone"),
        ("de", FollowUp.Channel.PHONE, "telefonisch"),
        ("en", FollowUp.Channel.EMAIL, "by email"),
        ("de", FollowUp.Channel.EMAIL, "per E-Mail"),
    ],
)
def test_a_follow_up_names_its_channel_in_a_whole_phrase(
    agent, ticket, language, channel, expected
):
    # given a follow-up the agent does by hand
    speaks(agent, language)
    FollowUpFactory(
        ticket=ticket,
        owner=agent,
        state=FollowUp.State.DUE,
        kind=FollowUp.Kind.CUSTOM,
        channel=channel,
    )
    client = Client()
    client.force_login(agent)
    # when
    response = client.get(reverse("followups:followup-mine"))
    # then
    assert expected in response.text
    assert "per e-mail" not in response.text
    assert "per telefon" not in response.text


# --- the customer's choice page ----------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "We deliver it by"), ("de", "Wir liefern es bis")],
)
def test_the_choice_page_writes_the_new_date_in_the_customers_language(
    client, ticket, agent, language, words
):
    # given options sent to a customer who speaks `language`
    ticket.customer.language = language
    ticket.customer.save()
    case = RecoveryCaseFactory(
        ticket=ticket, failure_type=FailureType.BROKEN_PROMISE, status="understood"
    )
    PromiseCheckFactory(case=case, checked_by=agent)
    ChoiceRequestFactory(case=case)
    request = services.case_send_options(case=case, actor=agent)
    with translation.override(language):
        new_date = date_format(request.new_date, "WEEKDAY_LONG_DATE_FORMAT")
    # when
    response = client.get(choice_path(request.message.body_text))
    # then the page and the email give the same date, written the same way
    assert response.status_code == 200
    assert f"{words} {new_date}." in response.text
    assert new_date in request.message.body_text


def test_the_choice_page_gives_the_link_expiry_in_the_customers_time_zone(
    client, ticket, agent
):
    # given a customer in Auckland, options sent late in the UTC evening
    ticket.customer.language = "en"
    ticket.customer.time_zone = "Pacific/Auckland"
    ticket.customer.save()
    case = RecoveryCaseFactory(
        ticket=ticket, failure_type=FailureType.BROKEN_PROMISE, status="understood"
    )
    PromiseCheckFactory(case=case, checked_by=agent)
    ChoiceRequestFactory(case=case)
    with freeze_time("2026-03-01 20:00:00"):
        request = services.case_send_options(case=case, actor=agent)
        # when
        response = client.get(choice_path(request.message.body_text))
    # then the expiry is the next day there (UTC would say 8 March)
    assert "This link works until 9 March 2026." in response.text
