"""The followups screens and the customer's page in German (the catalogue
itself is checked in tickets/tests/test_i18n.py)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from followups import mail
from followups.models import FollowUp, Promise
from followups.tests.factories import FollowUpFactory, PromiseFactory
from tickets.models import Ticket
from tickets.tests.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _restore_language():
    with translation.override(translation.get_language()):
        yield


def test_german_agent_sees_the_panel_in_german(agent, inbox):
    # given
    ticket = TicketFactory(inbox=inbox, assignee=agent)
    PromiseFactory(ticket=ticket, state=Promise.State.AT_RISK)
    client = Client(headers={"accept-language": "de"})
    client.force_login(agent)
    # when
    page = client.get(ticket.get_absolute_url()).content.decode()
    # then
    assert "Zusagen und Wiedervorlagen" in page
    assert "Gefährdet: vorbereitete Verzögerungsmitteilung senden" in page
    assert "Meine Wiedervorlagen" in page


def test_german_customer_gets_the_survey_in_german(client, inbox):
    # given
    ticket = TicketFactory(
        inbox=inbox,
        customer=CustomerFactory(language="de"),
        status=Ticket.Status.RESOLVED,
    )
    check = FollowUpFactory(
        ticket=ticket, kind=FollowUp.Kind.SATISFACTION_CHECK, state=FollowUp.State.DONE
    )
    # when
    page = client.get(
        reverse("followups-survey:survey", args=[mail.survey_token(check)])
    ).content.decode()
    # then
    assert "Sind Sie mit der Lösung zufrieden?" in page
    assert "5: sehr zufrieden" in page
