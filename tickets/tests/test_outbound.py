"""Outbox delivery against a real SMTP server: retries, failures, claims."""

from datetime import timedelta

from django.utils import timezone

from tickets import services
from tickets.mail import outbound
from tickets.models import OutboundEmail, TicketEvent
from tickets.tests.factories import TicketFactory


def _queued_reply(ticket, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        message = services.ticket_reply(ticket=ticket, actor=agent, body_text="Hello")
    return message.outbound


def test_transient_refusal_is_visible_and_retried_until_sent(
    db, agent, inbox, smtp_server, django_capture_on_commit_callbacks
):
    # given a server that refuses the first attempt
    smtp_server.reject_next.append("451 4.3.0 Try again later")
    row = _queued_reply(
        TicketFactory(inbox=inbox), agent, django_capture_on_commit_callbacks
    )
    # when the first attempt fails
    delay = outbound.outbound_send(outbound_id=row.pk)
    # then the error is visible and a retry is scheduled with backoff
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.QUEUED
    assert "451" in row.last_error
    assert delay == timedelta(seconds=30)
    assert row.next_attempt_at > timezone.now()
    # a retry before it is due does nothing; when due it is sent
    assert outbound.outbound_send(outbound_id=row.pk) is None
    assert smtp_server.messages == []
    OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    outbound.outbound_send(outbound_id=row.pk)
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT
    assert row.attempts == 2
    assert len(smtp_server.messages) == 1


def test_permanent_refusal_marks_failed_on_the_ticket(
    db, agent, inbox, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.reject_next.append("550 5.1.1 No such user")
    ticket = TicketFactory(inbox=inbox)
    row = _queued_reply(ticket, agent, django_capture_on_commit_callbacks)
    outbound.outbound_send(outbound_id=row.pk)
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.FAILED
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.DELIVERY)
    assert event.to_value == "failed"
    assert "550" in event.note_text


def test_sending_twice_delivers_once(
    db, agent, inbox, smtp_server, django_capture_on_commit_callbacks
):
    row = _queued_reply(
        TicketFactory(inbox=inbox), agent, django_capture_on_commit_callbacks
    )
    outbound.outbound_send(outbound_id=row.pk)
    outbound.outbound_send(outbound_id=row.pk)
    assert len(smtp_server.messages) == 1


def test_claim_of_a_dead_worker_is_released_by_the_sweep(
    db, agent, inbox, django_capture_on_commit_callbacks
):
    row = _queued_reply(
        TicketFactory(inbox=inbox), agent, django_capture_on_commit_callbacks
    )
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=OutboundEmail.Status.SENDING,
        claimed_at=timezone.now() - timedelta(minutes=11),
    )
    assert outbound.outbound_due_ids() == [row.pk]
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.QUEUED


def test_failed_email_can_be_retried_by_an_agent(
    db, agent, inbox, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.reject_next.append("550 5.7.1 Rejected")
    row = _queued_reply(
        TicketFactory(inbox=inbox), agent, django_capture_on_commit_callbacks
    )
    outbound.outbound_send(outbound_id=row.pk)
    with django_capture_on_commit_callbacks(execute=True):
        outbound.outbound_retry_now(outbound=row)
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT
    assert len(smtp_server.messages) == 1
