"""The ticket transition table, over every (from, to) pair."""

import itertools

import pytest

from helpdesk.exceptions import TransitionNotAllowed
from tickets import services
from tickets.models import Ticket, TicketEvent
from tickets.tests.factories import TicketFactory

Status = Ticket.Status
PAIRS = [(a, b) for a, b in itertools.product(Status.values, Status.values) if a != b]


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_every_status_pair_follows_the_transition_table(
    db, agent, inbox, current, target
):
    # given
    ticket = TicketFactory(inbox=inbox, status=current)
    allowed = target in Ticket.TRANSITIONS[current]
    # when
    if allowed:
        services.ticket_transition(ticket=ticket, to=target, actor=agent)
    else:
        with pytest.raises(TransitionNotAllowed):
            services.ticket_transition(ticket=ticket, to=target, actor=agent)
    # then
    ticket.refresh_from_db()
    assert ticket.status == (target if allowed else current)
    events = TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.STATUS)
    if allowed:
        event = events.get()
        assert (event.from_value, event.to_value, event.actor) == (
            current,
            target,
            agent,
        )
    else:
        assert not events.exists()


def test_resolving_stamps_resolved_at_and_reopening_clears_it(db, agent, inbox):
    ticket = TicketFactory(inbox=inbox, status=Status.OPEN)
    services.ticket_transition(ticket=ticket, to=Status.RESOLVED, actor=agent)
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None
    services.ticket_transition(ticket=ticket, to=Status.OPEN, actor=agent)
    ticket.refresh_from_db()
    assert ticket.resolved_at is None


def test_closed_is_final(db, agent, inbox):
    ticket = TicketFactory(inbox=inbox, status=Status.CLOSED)
    assert all(not ticket.can_move_to(s) for s in Status.values)
