"""The acknowledgements' first-response promises recorded a batch at a time
write exactly the rows of recording them one ticket at a time."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import Model
from freezegun import freeze_time

from followups.models import (
    FollowUp,
    FollowUpEvent,
    InboxFollowupSettings,
    Notification,
    Promise,
    PromiseEvent,
)
from followups.services import hooks
from followups.tests.factories import PromiseFactory
from tickets.models import Message
from tickets.tests.factories import (
    CustomerFactory,
    InboxFactory,
    MembershipFactory,
    MessageFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db

# A Thursday morning: some due times fall after the weekend.
NOW = datetime(2025, 3, 13, 9, 7, 30, tzinfo=UTC)


def _row(obj: Model, **replace: object) -> tuple:
    values = {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not f.primary_key
    }
    values.update(replace)
    return tuple(sorted(values.items()))


def _snapshot() -> dict[str, list[tuple]]:
    """Every row the hook may write, without ids (events name their promise
    by ticket and creation time)."""
    promise_key = {
        p.pk: (p.ticket_id, p.kind, p.created_at) for p in Promise.objects.all()
    }
    return {
        "promises": sorted(_row(p) for p in Promise.objects.all()),
        "promise_events": sorted(
            _row(e, promise_id=promise_key[e.promise_id])
            for e in PromiseEvent.objects.all()
        ),
        "followups": sorted(_row(f) for f in FollowUp.objects.all()),
        "followup_events": sorted(_row(e) for e in FollowUpEvent.objects.all()),
        "notifications": sorted(_row(n) for n in Notification.objects.all()),
    }


def _result(promise: Promise | None) -> tuple | None:
    return None if promise is None else (promise.ticket_id, promise.due_at)


@pytest.fixture
def acknowledged(db):
    """(ticket, acknowledgement, due time) across two inboxes, one with its
    own warning window, with every case the hook distinguishes."""
    with freeze_time(NOW - timedelta(days=2)):
        berlin = InboxFactory(time_zone="Europe/Berlin")
        york = InboxFactory(time_zone="America/New_York")
        InboxFollowupSettings.objects.create(
            inbox=york,
            warning_windows={"first_response": {"hours": 1, "working": False}},
        )
        MembershipFactory(inbox=berlin)
        german = CustomerFactory(name="Jürgen Weiß", language="de")
        nameless = CustomerFactory(name="")
        tickets = [
            TicketFactory(inbox=berlin, subject="Parcel has not arrived"),
            TicketFactory(inbox=berlin, customer=german, subject="Order 12"),
            TicketFactory(inbox=berlin, subject="Paket ist immer noch nicht da"),
            TicketFactory(inbox=york, customer=nameless, subject="Refund"),
            TicketFactory(inbox=york, subject="Wrong size"),
            TicketFactory(inbox=berlin, subject="Late"),  # running promise
            TicketFactory(inbox=york, subject="Broken"),  # a kept promise only
            TicketFactory(inbox=berlin, subject="Too late"),  # due time passed
        ]
        PromiseFactory(ticket=tickets[5], kind=Promise.Kind.FIRST_RESPONSE)
        PromiseFactory(
            ticket=tickets[6], kind=Promise.Kind.FIRST_RESPONSE, state="kept"
        )
        messages = [
            MessageFactory(ticket=t, kind=Message.Kind.REPLY, is_auto=True)
            for t in tickets
        ]
    dues = [
        NOW + timedelta(hours=4),
        NOW + timedelta(minutes=50),  # halfway caps the warning time
        NOW + timedelta(days=1, hours=8),  # across the weekend
        NOW + timedelta(hours=2, minutes=1),
        NOW + timedelta(hours=30),
        NOW + timedelta(hours=4),
        NOW + timedelta(hours=6),
        NOW - timedelta(minutes=1),
    ]
    entries = list(zip(tickets, messages, dues, strict=True))
    # The same ticket twice in one batch: one promise.
    return [*entries, (tickets[0], messages[0], dues[0] + timedelta(hours=1))]


def _one_by_one(entries) -> list:
    return [
        hooks.ticket_acknowledged(ticket=ticket, message=message, due_at=due_at)
        for ticket, message, due_at in entries
    ]


def _outcome(record, entries) -> tuple[list, dict]:
    """What `record` returns and writes, rolled back afterwards."""
    with transaction.atomic(), freeze_time(NOW):
        results = [_result(p) for p in record(entries)]
        written = _snapshot()
        transaction.set_rollback(True)
    return results, written


def test_batch_writes_the_rows_of_one_by_one(acknowledged):
    # given
    before = _snapshot()
    # when
    one_results, one_rows = _outcome(_one_by_one, acknowledged)
    batch_results, batch_rows = _outcome(hooks.tickets_acknowledged, acknowledged)
    # then: the same promises, due and warning times, events and nothing else
    assert _snapshot() == before
    assert batch_results == one_results
    assert batch_rows == one_rows
    new = len(one_rows["promises"]) - len(before["promises"])
    assert new == 6
    assert len(one_rows["promise_events"]) == len(before["promise_events"]) + new
    assert one_results[-2] is None  # the time had passed
    assert one_results[-1] == one_results[0]


def test_batch_takes_the_same_few_statements_whatever_its_size(
    acknowledged, django_assert_max_num_queries
):
    # given: settings, running promises, promises, events and a savepoint
    with freeze_time(NOW), django_assert_max_num_queries(6):
        # when
        promises = hooks.tickets_acknowledged(acknowledged)
    # then
    assert sum(p is not None and p.pk is not None for p in promises) == 8
    assert Promise.objects.filter(source_message__isnull=False).count() == 6


def test_an_empty_batch_reads_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert hooks.tickets_acknowledged([]) == []
