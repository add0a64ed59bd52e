"""The follow-up dispatcher with real parts: Celery worker processes on Redis,
the test PostgreSQL database and an SMTP server. Every due follow-up is done
exactly once, with several dispatchers at once and with a worker killed in
the middle of a batch."""

import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from followups.dispatcher import CLAIM_BATCH, FIRE_CHUNK
from followups.models import FollowUp, Notification
from tests.plugins import realparts
from tickets.models import Message, OutboundEmail, Ticket
from tickets.tests.factories import (
    CustomerFactory,
    InboxFactory,
    MembershipFactory,
    TicketFactory,
)

pytestmark = pytest.mark.worker

State = FollowUp.State


def wait_until(predicate: Callable[[], bool], timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def workers(transactional_db, settings, smtp_server) -> Iterator[Callable]:
    """Starts real `celery worker` processes (solo pool, one task at a time)
    on one private queue against the test database; all stopped afterwards."""
    from helpdesk.celery import app

    queue = f"test-dispatch-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    env = {
        **os.environ,
        "DATABASE_URL": realparts.test_database_url(connection.settings_dict),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
        "SECRET_KEY": "test",
        "CONN_MAX_AGE": "0",
    }
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "helpdesk",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "-l",
                "warning",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"w{len(started)}-{queue}@%h",
            ],
            cwd=realparts.ROOT,
            env=env,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
    for proc in started:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    app.conf.task_default_queue = settings.CELERY_TASK_DEFAULT_QUEUE


def _due_followups(count: int, *, phone_every: int = 0) -> list[FollowUp]:
    """`count` due follow-ups on tickets of their own; every `phone_every`-th
    one is a phone follow-up (a reminder) instead of an email."""
    inbox = InboxFactory(email_address="support@amends.example")
    owner = MembershipFactory(inbox=inbox).user
    customer = CustomerFactory(email="ella@example.com", name="Ella")
    tickets = Ticket.objects.bulk_create(
        TicketFactory.build_batch(
            count, inbox=inbox, customer=customer, assignee=owner, status="resolved"
        )
    )
    due = timezone.now() - timedelta(seconds=5)
    return FollowUp.objects.bulk_create(
        FollowUp(
            ticket=ticket,
            kind=FollowUp.Kind.CHECK_BACK,
            channel=FollowUp.Channel.PHONE
            if phone_every and i % phone_every == 0
            else FollowUp.Channel.EMAIL,
            due_at=due,
            owner=owner,
        )
        for i, ticket in enumerate(tickets)
    )


def _dispatch() -> None:
    from followups.tasks import followup_dispatch_task

    followup_dispatch_task.delay()


def _received_ids(smtp_server) -> Counter:
    return Counter(message["Message-ID"] for message in smtp_server.messages)


def _assert_each_done_exactly_once(followups: list[FollowUp], smtp_server) -> None:
    emails = [f for f in followups if f.channel == FollowUp.Channel.EMAIL]
    phones = [f for f in followups if f.channel == FollowUp.Channel.PHONE]
    # no follow-up skipped
    assert not FollowUp.objects.filter(state=State.SCHEDULED).exists()
    assert FollowUp.objects.filter(state=State.DONE).count() == len(emails)
    assert FollowUp.objects.filter(state=State.DUE).count() == len(phones)
    # one email per email follow-up, delivered once
    assert Message.objects.count() == len(emails)
    sent_ids = set(
        Message.objects.filter(outbound__status=OutboundEmail.Status.SENT).values_list(
            "message_id", flat=True
        )
    )
    received = _received_ids(smtp_server)
    assert set(received) == sent_ids
    assert max(received.values(), default=1) == 1, "an email was sent twice"
    # one reminder per phone follow-up
    reminders = Counter(Notification.objects.values_list("followup_id", flat=True))
    assert sorted(reminders) == sorted(f.pk for f in phones)
    assert set(reminders.values()) <= {1}


def test_two_workers_and_several_dispatchers_do_each_followup_exactly_once(
    workers, smtp_server
):
    # given: more than one claim batch, emails and phone reminders
    followups = _due_followups(CLAIM_BATCH + 120, phone_every=10)
    emails = sum(f.channel == FollowUp.Channel.EMAIL for f in followups)
    workers(), workers()
    # when: three beats fire at once
    for _ in range(3):
        _dispatch()
    # then
    assert wait_until(lambda: len(smtp_server.messages) >= emails), (
        f"{len(smtp_server.messages)} of {emails} emails arrived"
    )
    assert wait_until(
        lambda: not FollowUp.objects.filter(state=State.SCHEDULED).exists()
    )
    time.sleep(1)  # a duplicate, if any, would arrive now
    _assert_each_done_exactly_once(followups, smtp_server)


def test_rows_of_a_worker_killed_mid_batch_are_claimed_again_and_done_once(
    workers, smtp_server
):
    # given: a worker that will block inside its first fire transaction
    total = FIRE_CHUNK + 100
    followups = _due_followups(total)
    dsn = realparts.test_database_url(connection.settings_dict)
    blocker = psycopg.connect(dsn)
    blocker.execute("LOCK TABLE followups_followupevent IN EXCLUSIVE MODE")
    first = workers()
    _dispatch()
    with psycopg.connect(dsn, autocommit=True) as probe:

        def worker_is_blocked() -> bool:
            row = probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                "current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            return row[0] > 0

        assert wait_until(worker_is_blocked, timeout=60), "the worker never blocked"
    # when: it dies with a batch locked and half written
    first.kill()
    first.wait(timeout=15)
    blocker.rollback()
    blocker.close()
    second = workers()
    # then: the other batches are done by the second worker ...
    done = FollowUp.objects.filter(state=State.DONE)
    assert wait_until(lambda: done.count() >= total - FIRE_CHUNK)
    stuck = FollowUp.objects.filter(state=State.SCHEDULED)
    assert wait_until(lambda: stuck.count() == FIRE_CHUNK)
    assert stuck.filter(claimed_at__isnull=False).count() == FIRE_CHUNK
    # ... and once the dead worker's claims are old, the next beat takes them
    stuck.update(claimed_at=timezone.now() - timedelta(minutes=10))
    _dispatch()
    assert wait_until(lambda: len(smtp_server.messages) >= total), (
        f"{len(smtp_server.messages)} of {total} emails arrived"
    )
    time.sleep(1)
    assert second.poll() is None
    _assert_each_done_exactly_once(followups, smtp_server)
