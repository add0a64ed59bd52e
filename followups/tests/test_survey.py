"""The customer's satisfaction page behind a signed link: GET records
nothing, POST records once and may change the answer for a week; a tampered,
expired or voided link is refused; a low score reopens the ticket."""

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from followups import mail, services
from followups.models import FollowUp, Notification, SatisfactionAnswer
from followups.tests.factories import FollowUpFactory
from tickets.models import Ticket
from tickets.tests.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def check(inbox, agent) -> FollowUp:
    """A satisfaction check that was emailed to the customer."""
    ticket = TicketFactory(inbox=inbox, assignee=agent, status=Ticket.Status.RESOLVED)
    return FollowUpFactory(
        ticket=ticket,
        kind=FollowUp.Kind.SATISFACTION_CHECK,
        state=FollowUp.State.DONE,
        owner=agent,
    )


def _url(followup: FollowUp) -> str:
    return reverse("followups-survey:survey", args=[mail.survey_token(followup)])


def test_opening_the_link_shows_the_question_and_records_nothing(client, check):
    # when: a mail scanner or the customer opens the link
    response = client.get(_url(check))
    # then
    assert response.status_code == 200
    assert "Are you satisfied with the solution?" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert not SatisfactionAnswer.objects.exists()


def test_the_page_speaks_the_customers_language(client, inbox):
    # given
    ticket = TicketFactory(
        inbox=inbox,
        customer=CustomerFactory(language="de"),
        status=Ticket.Status.RESOLVED,
    )
    german = FollowUpFactory(
        ticket=ticket, kind=FollowUp.Kind.SATISFACTION_CHECK, state=FollowUp.State.DONE
    )
    # when
    response = client.get(_url(german))
    # then
    assert response["Content-Language"] == "de"


def test_posting_a_score_records_one_answer(client, check):
    # when
    response = client.post(_url(check), {"score": "4", "comment": "Quick and kind."})
    # then
    assert response.status_code == 200
    answer = SatisfactionAnswer.objects.get()
    assert (answer.followup, answer.score, answer.comment) == (
        check,
        4,
        "Quick and kind.",
    )
    assert "Thank you for your answer." in response.content.decode()


def test_the_answer_can_be_changed_within_a_week_not_after(client, check):
    # given
    client.post(_url(check), {"score": "2"})
    # when: changed six days later
    with freeze_time(timezone.now() + timedelta(days=6)):
        client.post(_url(check), {"score": "5", "comment": "Sorted after all."})
    # then
    answer = SatisfactionAnswer.objects.get()
    assert (answer.score, answer.change_count) == (5, 1)
    # and when tried again after the week
    with freeze_time(timezone.now() + timedelta(days=8)):
        response = client.post(_url(check), {"score": "1"})
    answer.refresh_from_db()
    assert answer.score == 5
    assert "can no longer be changed" in response.content.decode()


def test_a_tampered_link_is_refused(client, check):
    # given
    token = mail.survey_token(check)
    forged = token.replace(f"{check.pk}.", f"{check.pk + 1}.", 1)
    # when
    response = client.get(reverse("followups-survey:survey", args=[forged]))
    # then
    assert response.status_code == 404
    assert not SatisfactionAnswer.objects.exists()


def test_an_expired_link_is_refused(client, check):
    # given
    url = _url(check)
    # when
    with freeze_time(timezone.now() + mail.SURVEY_LINK_MAX_AGE + timedelta(hours=1)):
        response = client.post(url, {"score": "5"})
    # then
    assert response.status_code == 404
    assert "expired" in response.content.decode()
    assert not SatisfactionAnswer.objects.exists()


def test_cancelling_the_check_voids_its_link(client, check, agent):
    # given
    url = _url(check)
    FollowUp.objects.filter(pk=check.pk).update(state=FollowUp.State.SCHEDULED)
    services.followup_cancel(followup=check, actor=agent)
    # when
    response = client.get(url)
    # then
    assert response.status_code == 404


def test_a_token_for_another_salt_is_refused(client, check):
    # given: a valid signature, but made for something else
    token = signing.TimestampSigner(salt="other").sign(f"{check.pk}.{check.link_nonce}")
    # when / then
    url = reverse("followups-survey:survey", args=[token])
    assert client.get(url).status_code == 404


def test_a_low_score_reopens_the_ticket_and_tells_its_owner(client, check, agent):
    # when
    client.post(_url(check), {"score": "1", "comment": "Still broken."})
    # then
    check.ticket.refresh_from_db()
    assert check.ticket.status == Ticket.Status.OPEN
    [reminder] = Notification.objects.all()
    assert reminder.recipient == agent
    assert reminder.kind == Notification.Kind.SATISFACTION_LOW


def test_a_score_outside_one_to_five_is_refused(client, check):
    response = client.post(_url(check), {"score": "9"})
    assert response.status_code == 200
    assert not SatisfactionAnswer.objects.exists()


def test_a_phoned_satisfaction_check_records_the_score_given_on_the_phone(check, agent):
    # given
    FollowUp.objects.filter(pk=check.pk).update(
        state=FollowUp.State.DUE, channel=FollowUp.Channel.PHONE
    )
    check.refresh_from_db()
    # when
    services.followup_complete(
        followup=check, actor=agent, outcome="Happy with the refund.", score=5
    )
    # then
    answer = SatisfactionAnswer.objects.get()
    assert (answer.score, answer.channel) == (5, "phone")
