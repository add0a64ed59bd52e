"""Follow-ups: scheduling defaults, the automatic ones around resolution,
snooze, complete, cancel."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from followups import services
from followups.models import FollowUp
from followups.tests.factories import FollowUpFactory
from helpdesk.exceptions import DomainError
from tickets import services as ticket_services
from tickets.models import Customer, Ticket
from tickets.tests.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db

State = FollowUp.State
Kind = FollowUp.Kind


@pytest.fixture
def my_ticket(inbox, agent):
    return TicketFactory(inbox=inbox, assignee=agent, status=Ticket.Status.OPEN)


def test_followup_defaults_to_the_assignee_and_the_customers_preferred_channel(
    inbox, agent
):
    # given
    customer = CustomerFactory(
        preferred_channel=Customer.Channel.PHONE, phone="+49 30 1234"
    )
    ticket = TicketFactory(inbox=inbox, assignee=agent, customer=customer)
    # when
    followup = services.followup_schedule(
        ticket=ticket,
        kind=Kind.CHECK_BACK,
        due_at=timezone.now() + timedelta(days=3),
        actor=agent,
    )
    # then
    assert followup.owner == agent
    assert followup.channel == FollowUp.Channel.PHONE
    assert not followup.is_sent_by_system
    assert followup.events.get().to_state == State.SCHEDULED


def test_phone_preference_without_a_number_falls_back_to_email(inbox, agent):
    # given
    customer = CustomerFactory(preferred_channel=Customer.Channel.PHONE, phone="")
    ticket = TicketFactory(inbox=inbox, customer=customer)
    # when
    followup = services.followup_schedule(
        ticket=ticket, kind=Kind.CHECK_BACK, due_at=timezone.now(), actor=agent
    )
    # then
    assert followup.channel == FollowUp.Channel.EMAIL


def test_owner_must_belong_to_the_tickets_inbox(my_ticket, agent):
    # given
    from tickets.tests.factories import UserFactory

    outsider = UserFactory()
    # when / then
    with pytest.raises(DomainError, match="not a member"):
        services.followup_schedule(
            ticket=my_ticket,
            kind=Kind.CUSTOM,
            note="Call",
            due_at=timezone.now(),
            owner=outsider,
            actor=agent,
        )


def test_resolving_a_ticket_schedules_a_satisfaction_check_and_a_check_back(
    my_ticket, agent
):
    # when
    ticket_services.ticket_transition(
        ticket=my_ticket, to=Ticket.Status.RESOLVED, actor=agent
    )
    # then
    running = FollowUp.objects.filter(ticket=my_ticket, state=State.SCHEDULED)
    assert sorted(running.values_list("kind", flat=True)) == [
        Kind.CHECK_BACK,
        Kind.SATISFACTION_CHECK,
    ]
    check_back = running.get(kind=Kind.CHECK_BACK)
    satisfaction = running.get(kind=Kind.SATISFACTION_CHECK)
    assert check_back.due_at - satisfaction.due_at == timedelta(days=3)


def test_reopening_cancels_pending_checks_and_resolving_again_schedules_new_ones(
    my_ticket, agent
):
    # given
    ticket_services.ticket_transition(
        ticket=my_ticket, to=Ticket.Status.RESOLVED, actor=agent
    )
    # when
    ticket_services.ticket_transition(
        ticket=my_ticket, to=Ticket.Status.OPEN, actor=agent
    )
    # then
    assert set(
        FollowUp.objects.filter(ticket=my_ticket).values_list("state", flat=True)
    ) == {State.CANCELLED}
    # and when resolved again
    ticket_services.ticket_transition(
        ticket=my_ticket, to=Ticket.Status.RESOLVED, actor=agent
    )
    assert FollowUp.objects.filter(ticket=my_ticket, state=State.SCHEDULED).count() == 2


def test_a_second_running_check_back_on_one_ticket_is_refused(my_ticket, agent):
    # given
    FollowUpFactory(ticket=my_ticket, kind=Kind.CHECK_BACK, state=State.SCHEDULED)
    # when / then
    with pytest.raises(DomainError, match="already has a running"):
        services.followup_schedule(
            ticket=my_ticket, kind=Kind.CHECK_BACK, due_at=timezone.now(), actor=agent
        )


def test_snoozing_a_due_followup_schedules_it_again_and_frees_its_claim(
    my_ticket, agent
):
    # given
    followup = FollowUpFactory(
        ticket=my_ticket, state=State.DUE, claimed_at=timezone.now()
    )
    until = timezone.now() + timedelta(hours=2)
    # when
    services.followup_snooze(followup=followup, actor=agent, until=until)
    # then
    followup.refresh_from_db()
    assert followup.state == State.SCHEDULED
    assert followup.due_at == until
    assert followup.claimed_at is None
    event = followup.events.get()
    assert (event.from_state, event.to_state) == (State.DUE, State.SCHEDULED)


def test_snoozing_into_the_past_is_refused(my_ticket, agent):
    followup = FollowUpFactory(ticket=my_ticket, state=State.DUE)
    with pytest.raises(DomainError, match="future"):
        services.followup_snooze(
            followup=followup, actor=agent, until=timezone.now() - timedelta(hours=1)
        )


def test_completing_records_who_and_the_outcome(my_ticket, agent):
    # given
    followup = FollowUpFactory(ticket=my_ticket, state=State.DUE, kind=Kind.CUSTOM)
    # when
    services.followup_complete(followup=followup, actor=agent, outcome="Called her.")
    # then
    followup.refresh_from_db()
    assert followup.state == State.DONE
    assert followup.done_by == agent
    assert followup.outcome == "Called her."


def test_a_cancelled_followup_cannot_be_completed(my_ticket, agent):
    followup = FollowUpFactory(ticket=my_ticket, state=State.CANCELLED)
    with pytest.raises(DomainError):
        services.followup_complete(followup=followup, actor=agent)


def test_answering_the_customer_does_the_running_update_reminder(my_ticket, agent):
    # given
    reminder = services.followup_schedule_update(
        ticket=my_ticket, actor=agent, update_by=timezone.now() + timedelta(days=1)
    )
    # when
    ticket_services.ticket_reply(ticket=my_ticket, actor=agent, body_text="News!")
    # then
    reminder.refresh_from_db()
    assert reminder.state == State.DONE
    assert reminder.done_by == agent
    # and its outcome reads in each reader's language
    assert reminder.outcome_text == "Answered the customer."
    with translation.override("de"):
        assert reminder.outcome_text == "Dem Kunden geantwortet."


def test_update_reminder_fires_ahead_of_the_announced_time(my_ticket, agent):
    # given
    update_by = timezone.now() + timedelta(days=1)
    # when
    reminder = services.followup_schedule_update(
        ticket=my_ticket, actor=agent, update_by=update_by
    )
    # then: one hour ahead by default (the announced time rounds up to 15 min)
    assert timedelta(minutes=45) <= update_by - reminder.due_at <= timedelta(hours=1)
    assert reminder.kind == Kind.UPDATE_CUSTOMER
