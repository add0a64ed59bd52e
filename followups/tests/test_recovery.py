"""Working with recovery cases: resolving a case schedules its follow-ups,
the customer's satisfaction answer follows the case up, and a broken promise
offers a recovery case of type broken promise."""

import pytest
from django.urls import reverse
from django.utils import timezone

from followups import mail
from followups.models import FollowUp, Promise
from followups.tests.factories import PromiseFactory
from recovery import services as recovery_services
from recovery.models import FailureType, RecoveryCase
from recovery.tests.factories import RecoveryCaseFactory
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved_case(inbox, agent) -> RecoveryCase:
    ticket = TicketFactory(inbox=inbox, assignee=agent)
    case = RecoveryCaseFactory(ticket=ticket, status=RecoveryCase.Status.UNDERSTOOD)
    return recovery_services.case_resolve(
        case=case,
        actor=agent,
        solution="Replacement sent by express.",
        no_compensation_reason="The customer asked for nothing more.",
    )


def test_resolving_a_case_schedules_its_satisfaction_check_and_check_back(
    resolved_case,
):
    # then
    followups = FollowUp.objects.filter(ticket=resolved_case.ticket)
    assert sorted(followups.values_list("kind", flat=True)) == [
        FollowUp.Kind.CHECK_BACK,
        FollowUp.Kind.SATISFACTION_CHECK,
    ]
    assert set(followups.values_list("case_id", flat=True)) == {resolved_case.pk}


def test_the_customers_answer_follows_the_case_up(client, resolved_case):
    # given: the satisfaction check went out
    check = FollowUp.objects.get(
        ticket=resolved_case.ticket, kind=FollowUp.Kind.SATISFACTION_CHECK
    )
    FollowUp.objects.filter(pk=check.pk).update(state=FollowUp.State.DONE)
    url = reverse("followups-survey:survey", args=[mail.survey_token(check)])
    # when
    client.post(url, {"score": "5", "comment": "Great, thank you!"})
    # then
    resolved_case.refresh_from_db()
    assert resolved_case.status == RecoveryCase.Status.FOLLOWED_UP
    assert resolved_case.satisfaction_score == 5
    assert resolved_case.satisfaction_channel == "link"
    assert resolved_case.satisfaction_comment == "Great, thank you!"


def test_a_broken_promise_offers_a_recovery_case_of_that_type(client, inbox, agent):
    # given
    ticket = TicketFactory(inbox=inbox, assignee=agent, status="open")
    PromiseFactory(ticket=ticket, state=Promise.State.BROKEN, broken_at=timezone.now())
    client.force_login(agent)
    # when
    page = client.get(ticket.get_absolute_url()).content.decode()
    # then: the open-case form is there with the type chosen
    assert "Open a recovery case for this broken promise" in page
    assert 'value="broken_promise" selected' in page
    # and posting it opens the case
    client.post(
        reverse("recovery:case-open", args=[ticket.reference]),
        {
            "open-failure_type": FailureType.BROKEN_PROMISE,
            "open-severity": "minor",
            "open-attribution": "ours",
            "open-is_preventable": "yes",
            "open-is_foreseeable": "no",
            "open-summary": "Promise broken.",
        },
    )
    case = RecoveryCase.objects.get(ticket=ticket)
    assert case.failure_type == FailureType.BROKEN_PROMISE
