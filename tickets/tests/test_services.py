"""Behaviour of the ticket services: creation, assignment, replies, notes."""

import pytest
from django.db import IntegrityError
from django.utils import timezone

from helpdesk.exceptions import DomainError
from tickets import services
from tickets.models import Customer, Message, OutboundEmail, Ticket, TicketEvent
from tickets.tests.factories import (
    CustomerFactory,
    InboxFactory,
    MembershipFactory,
    TicketFactory,
    UserFactory,
)

Status = Ticket.Status


def _open(inbox, subject="Late delivery", **kwargs):
    return services.ticket_create(
        inbox=inbox, customer=CustomerFactory(), subject=subject, **kwargs
    )


def test_ticket_create_numbers_per_inbox_and_records_first_message(db):
    # given
    support = InboxFactory(reference_prefix="SUP")
    billing = InboxFactory(reference_prefix="BIL")
    # when
    first, second = _open(support), _open(support)
    other = _open(billing, body_text="Wrong amount", message_id="<x@y>")
    # then
    assert (first.reference, second.reference) == ("SUP-1001", "SUP-1002")
    assert other.reference == "BIL-1001"
    message = other.messages.get()
    assert (message.kind, message.body_text, message.message_id) == (
        Message.Kind.INBOUND,
        "Wrong amount",
        "<x@y>",
    )
    assert TicketEvent.objects.filter(ticket=first, kind="created").count() == 1


def test_customer_email_is_unique_regardless_of_case(db):
    services.customer_get_or_create(email="Ella@Example.com", name="Ella")
    again = services.customer_get_or_create(email="ella@example.COM")
    assert Customer.objects.count() == 1
    assert again.name == "Ella"
    with pytest.raises(IntegrityError):
        Customer.objects.create(email="ELLA@example.com")


def test_auto_assign_is_round_robin_and_skips_away_and_capped_members(db):
    # given an inbox with three agents: one away, one at their cap
    inbox = InboxFactory(auto_assign=True)
    ann = MembershipFactory(inbox=inbox, user__username="ann").user
    MembershipFactory(inbox=inbox, user__username="bob", is_away=True)
    cap = MembershipFactory(inbox=inbox, user__username="cid", open_ticket_cap=1).user
    MembershipFactory(inbox=inbox, user__username="mgr", role="manager")
    # when four tickets arrive
    assignees = [_open(inbox).assignee for _ in range(4)]
    # then ann and cid alternate until cid reaches the cap
    assert assignees == [ann, cap, ann, ann]
    event = TicketEvent.objects.filter(kind="assigned").first()
    assert event.actor is None
    assert "round robin" in event.note_text


def test_an_edit_with_a_refused_assignment_changes_nothing(db, agent, ticket):
    # when one edit sets the priority and assigns an outsider
    with pytest.raises(DomainError):
        services.ticket_edit(
            ticket=ticket, actor=agent, priority="urgent", assignee=UserFactory()
        )
    # then the priority stays and no event was written
    ticket.refresh_from_db()
    assert ticket.priority != "urgent"
    assert not ticket.events.filter(kind="priority").exists()


def test_an_edit_may_unassign(db, agent, ticket):
    services.ticket_claim(ticket=ticket, actor=agent)
    services.ticket_edit(ticket=ticket, actor=agent, assignee=None, tags=["vip"])
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.tags) == (None, ["vip"])


def test_assign_only_to_members_of_the_inbox(db, agent, ticket):
    outsider = UserFactory()
    with pytest.raises(DomainError):
        services.ticket_assign(ticket=ticket, assignee=outsider, actor=agent)
    services.ticket_claim(ticket=ticket, actor=agent)
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    event = ticket.events.get(kind="assigned")
    assert (event.actor, event.to_value) == (agent, agent.username)


def test_reply_queues_outbox_sets_first_response_and_waits_on_customer(
    db, agent, inbox, django_capture_on_commit_callbacks
):
    ticket = _open(inbox, message_id="<orig@mail.example>")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply = services.ticket_reply(ticket=ticket, actor=agent, body_text="Sorry!")
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CUSTOMER
    assert ticket.first_response_at is not None
    assert reply.in_reply_to == "<orig@mail.example>"
    assert reply.outbound.status == OutboundEmail.Status.QUEUED
    assert len(callbacks) == 1, "the send is enqueued only after commit"
    assert f"[{ticket.reference}]" in reply.subject


def test_first_response_is_kept_from_the_first_reply(
    db, agent, inbox, django_capture_on_commit_callbacks
):
    ticket = _open(inbox)
    with django_capture_on_commit_callbacks(execute=False):
        services.ticket_reply(ticket=ticket, actor=agent, body_text="One")
        ticket.refresh_from_db()
        first = ticket.first_response_at
        services.ticket_reply(ticket=ticket, actor=agent, body_text="Two")
    ticket.refresh_from_db()
    assert ticket.first_response_at == first
    assert ticket.first_response_at <= timezone.now()


def test_reply_to_closed_ticket_is_refused(db, agent, inbox):
    ticket = TicketFactory(inbox=inbox, status=Status.CLOSED)
    with pytest.raises(DomainError):
        services.ticket_reply(ticket=ticket, actor=agent, body_text="Hello")
    assert not ticket.messages.exists()


def test_note_is_internal_and_never_queued(db, agent, ticket):
    note = services.ticket_add_note(ticket=ticket, actor=agent, body_text="Call DHL")
    assert note.is_note
    assert not OutboundEmail.objects.exists()
    assert ticket.events.filter(kind="noted").exists()


def test_update_audits_each_changed_field(db, agent, ticket):
    services.ticket_update(
        ticket=ticket, actor=agent, priority="high", tags=["VIP", " vip ", "refund"]
    )
    ticket.refresh_from_db()
    assert ticket.priority == "high"
    assert ticket.tags == ["vip", "refund"]
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert kinds == {"priority", "tags"}


def test_update_rejects_unknown_values(db, agent, ticket):
    with pytest.raises(DomainError):
        services.ticket_update(ticket=ticket, actor=agent, priority="whenever")
    with pytest.raises(DomainError):
        services.ticket_update(ticket=ticket, actor=agent, status="closed")
