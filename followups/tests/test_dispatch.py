"""The dispatcher in one process: claims, firing exactly once, lateness after
downtime, reminders, and the batched outbox send. The multi-process test
with real workers is tests/test_dispatcher.py."""

import smtplib
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail as django_mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.utils import timezone

from followups import dispatcher
from followups.models import FollowUp, Notification
from followups.tests.factories import FollowUpFactory
from tickets.models import Message, OutboundEmail, TicketEvent
from tickets.tests.factories import TicketFactory

State = FollowUp.State


def _due(**kwargs) -> FollowUp:
    kwargs.setdefault("due_at", timezone.now() - timedelta(seconds=30))
    return FollowUpFactory(**kwargs)


# --- claim -------------------------------------------------------------------


@pytest.mark.django_db
def test_claim_takes_due_scheduled_rows_oldest_first_up_to_the_limit():
    # given
    now = timezone.now()
    older = _due(due_at=now - timedelta(hours=2))
    newer = _due(due_at=now - timedelta(minutes=1))
    _due(due_at=now - timedelta(hours=1))
    _due(due_at=now + timedelta(minutes=5))  # not yet due
    _due(state=State.DONE)
    # when
    first = dispatcher.followup_claim_due(limit=2)
    rest = dispatcher.followup_claim_due(limit=10)
    # then
    assert older.pk in first
    assert newer.pk not in first
    assert rest == [newer.pk]
    assert FollowUp.objects.filter(claimed_at__isnull=False).count() == 3


@pytest.mark.django_db
def test_a_claim_of_a_dead_worker_is_taken_again_after_the_timeout():
    # given: claimed long ago and never fired
    stale = _due(
        claimed_at=timezone.now() - dispatcher.CLAIM_TIMEOUT - timedelta(seconds=1)
    )
    fresh = _due(claimed_at=timezone.now() - timedelta(seconds=10))
    # when
    claimed = dispatcher.followup_claim_due()
    # then
    assert claimed == [stale.pk]
    assert fresh.pk not in claimed


@pytest.mark.django_db(transaction=True)
def test_claim_skips_rows_another_transaction_holds():
    # given: another connection holds one due row
    held, free = _due(), _due()
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            FollowUp.objects.select_for_update().get(pk=held.pk)
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    locked.wait(10)
    try:
        # when
        claimed = dispatcher.followup_claim_due()
    finally:
        release.set()
        thread.join()
    # then
    assert claimed == [free.pk]


# --- fire --------------------------------------------------------------------


@pytest.fixture
def resolved_ticket(inbox, agent):
    return TicketFactory(inbox=inbox, assignee=agent, status="resolved")


@pytest.mark.django_db
def test_an_email_followup_fires_once_into_the_outbox_and_is_sent(
    resolved_ticket, django_capture_on_commit_callbacks
):
    # given
    followup = _due(ticket=resolved_ticket, kind=FollowUp.Kind.CHECK_BACK)
    # when: fired twice (a duplicate task), callbacks run as after commit
    with django_capture_on_commit_callbacks(execute=True):
        fired = dispatcher.followup_fire(followup_ids=[followup.pk])
    with django_capture_on_commit_callbacks(execute=True):
        again = dispatcher.followup_fire(followup_ids=[followup.pk])
    # then
    assert (fired, again) == (1, 0)
    followup.refresh_from_db()
    assert followup.state == State.DONE
    assert followup.late_by is None
    message = Message.objects.get(ticket=resolved_ticket)
    assert followup.message == message
    assert message.outbound.status == OutboundEmail.Status.SENT
    assert [(e.from_state, e.to_state) for e in followup.events.all()] == [
        (State.SCHEDULED, State.DUE),
        (State.DUE, State.DONE),
    ]
    [sent] = django_mail.outbox
    assert "is everything working as intended" in sent.body
    assert f"[{resolved_ticket.reference}]" in sent.subject
    assert TicketEvent.objects.filter(
        ticket=resolved_ticket, kind=TicketEvent.Kind.DELIVERY
    ).exists()


@pytest.mark.django_db
def test_after_downtime_an_overdue_followup_fires_once_marked_late(resolved_ticket):
    # given: due three hours ago while nothing ran
    followup = _due(ticket=resolved_ticket, due_at=timezone.now() - timedelta(hours=3))
    # when
    dispatcher.followup_fire(followup_ids=[followup.pk])
    # then
    followup.refresh_from_db()
    assert timedelta(hours=3) <= followup.late_by < timedelta(hours=3, minutes=1)
    assert "Late by 3 hours" in followup.events.first().note_text


@pytest.mark.django_db
def test_a_phone_followup_becomes_a_reminder_for_its_owner(resolved_ticket, agent):
    # given
    followup = _due(ticket=resolved_ticket, channel=FollowUp.Channel.PHONE, owner=agent)
    # when
    dispatcher.followup_fire(followup_ids=[followup.pk])
    dispatcher.followup_fire(followup_ids=[followup.pk])
    # then
    followup.refresh_from_db()
    assert followup.state == State.DUE
    assert not Message.objects.exists()
    [reminder] = Notification.objects.all()
    assert (reminder.recipient, reminder.followup) == (agent, followup)


@pytest.mark.django_db
def test_a_reminder_without_owner_goes_to_the_inbox_managers(inbox, manager, agent):
    # given
    followup = _due(ticket=TicketFactory(inbox=inbox), kind=FollowUp.Kind.CUSTOM)
    # when
    dispatcher.followup_fire(followup_ids=[followup.pk])
    # then
    assert list(Notification.objects.values_list("recipient", flat=True)) == [
        manager.pk
    ]


@pytest.mark.django_db
def test_a_followup_snoozed_after_its_claim_does_not_fire(resolved_ticket):
    # given: claimed, then moved to tomorrow
    followup = _due(ticket=resolved_ticket, claimed_at=timezone.now())
    FollowUp.objects.filter(pk=followup.pk).update(
        due_at=timezone.now() + timedelta(days=1)
    )
    # when
    fired = dispatcher.followup_fire(followup_ids=[followup.pk])
    # then
    followup.refresh_from_db()
    assert fired == 0
    assert followup.state == State.SCHEDULED
    assert followup.claimed_at is None


@pytest.mark.django_db
def test_dispatch_drains_a_backlog_larger_than_one_batch(
    inbox, django_capture_on_commit_callbacks
):
    # given
    tickets = TicketFactory.create_batch(7, inbox=inbox)
    for ticket in tickets:
        _due(ticket=ticket)
    # when: tasks run in-process; a full batch queues the next round
    with django_capture_on_commit_callbacks(execute=True):
        claimed = dispatcher.followup_dispatch(limit=3)
    # then
    assert claimed == 3
    assert not FollowUp.objects.exclude(state=State.DONE).exists()
    assert len(django_mail.outbox) == 7


@pytest.mark.django_db
def test_satisfaction_email_carries_a_working_survey_link(
    client, resolved_ticket, django_capture_on_commit_callbacks
):
    # given
    followup = _due(ticket=resolved_ticket, kind=FollowUp.Kind.SATISFACTION_CHECK)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        dispatcher.followup_fire(followup_ids=[followup.pk])
    # then
    [sent] = django_mail.outbox
    assert "are you satisfied with the solution?" in sent.body
    link = next(line for line in sent.body.splitlines() if "/s/" in line).strip()
    page = client.get(urlsplit(link).path)
    assert page.status_code == 200
    assert "Are you satisfied with the solution?" in page.content.decode()


# --- the batched outbox send -------------------------------------------------


class RefusingBackend(BaseEmailBackend):
    """A mail server that answers every message with a temporary failure."""

    def send_messages(self, messages):
        raise smtplib.SMTPDataError(451, b"try again later")


@pytest.mark.django_db
def test_outbox_batch_sends_only_rows_it_claims(resolved_ticket):
    # given: two queued rows, one already claimed by another sender
    ids = []
    for status in (OutboundEmail.Status.QUEUED, OutboundEmail.Status.SENDING):
        message = Message.objects.create(
            ticket=resolved_ticket,
            kind=Message.Kind.REPLY,
            to_addresses=["c@example.com"],
            subject="Hi",
            body_text="Hello",
            message_id=f"<{status}@amends.example>",
        )
        ids.append(OutboundEmail.objects.create(message=message, status=status).pk)
    # when
    sent = dispatcher.outbox_send_batch(outbound_ids=ids)
    # then
    assert sent == 1
    assert [m.extra_headers["Message-ID"] for m in django_mail.outbox] == [
        "<queued@amends.example>"
    ]


@pytest.mark.django_db
def test_outbox_batch_hands_a_refused_row_back_to_the_queue(resolved_ticket, settings):
    # given
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    message = Message.objects.create(
        ticket=resolved_ticket,
        kind=Message.Kind.REPLY,
        to_addresses=["c@example.com"],
        subject="Hi",
        body_text="Hello",
        message_id="<refused@amends.example>",
    )
    outbound = OutboundEmail.objects.create(message=message)
    # when
    sent = dispatcher.outbox_send_batch(outbound_ids=[outbound.pk])
    # then: queued again with backoff and the error kept
    outbound.refresh_from_db()
    assert sent == 0
    assert outbound.status == OutboundEmail.Status.QUEUED
    assert outbound.next_attempt_at > timezone.now()
    assert "451" in outbound.last_error
