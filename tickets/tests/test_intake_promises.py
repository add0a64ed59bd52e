"""Intake in batches records the promise each acknowledgement makes, as
acknowledging the tickets one at a time does, in a few statements a batch."""

import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from followups.models import FollowUp, Notification, Promise, PromiseEvent
from tickets.models import Message
from tickets.tests.factories import InboxFactory, MembershipFactory

BERLIN = ZoneInfo("Europe/Berlin")
# A Wednesday morning in the inbox's time zone.
NOW = datetime(2025, 3, 12, 10, 7, tzinfo=BERLIN)

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(db):
    inbox = InboxFactory(
        slug="support",
        email_address="support@shop.example",
        reference_prefix="SUP",
        time_zone="Europe/Berlin",
        expected_first_response=timedelta(hours=4),
        auto_assign=True,
    )
    MembershipFactory(inbox=inbox, user__username="alex")
    return inbox


def mail(sender: str, message_id: str, subject: str, body: str, **headers) -> bytes:
    lines = [f"From: {sender}", "To: support@shop.example", f"Subject: {subject}"]
    lines.append(f"Message-ID: {message_id}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    lines += ["Content-Type: text/plain; charset=utf-8", "", body]
    return "\n".join(lines).encode() + b"\n"


def ingest(tmp_path, emails: list[bytes]) -> dict:
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for n, data in enumerate(emails):
        (maildir / "new" / f"{1_741_770_000 + n}.M{n}P1.mx").write_bytes(data)
    out = io.StringIO()
    call_command(
        "ingest_email", "--inbox", "support", "--json", str(maildir), stdout=out
    )
    return json.loads(out.getvalue())


def complaints(count: int, prefix: str = "c") -> list[bytes]:
    return [
        mail(
            f"{prefix}{n}@mail.example",
            f"<{prefix}{n}@m>",
            "Paket nicht angekommen" if n % 2 else "Parcel late",
            "Wo bleibt meine Lieferung?" if n % 2 else "Where is my parcel?",
        )
        for n in range(count)
    ]


def test_each_acknowledged_new_ticket_gets_its_first_response_promise(inbox, tmp_path):
    # given two complaints (English, German) and a reply to the first
    emails = [
        *complaints(2),
        mail(
            "c0@mail.example",
            "<r0@m>",
            "Re: Parcel late",
            "Any news?",
            In_Reply_To="<c0@m>",
        ),
    ]
    # when
    with freeze_time(NOW):
        summary = ingest(tmp_path, emails)
    # then: one promise per new ticket, due when the acknowledgement said
    assert (summary["tickets_created"], summary["replies_threaded"]) == (2, 1)
    promises = {
        p.ticket.messages.order_by("pk").first().message_id: p
        for p in Promise.objects.select_related("ticket", "source_message")
    }
    assert set(promises) == {"<c0@m>", "<c1@m>"}
    due = datetime(2025, 3, 12, 14, 15, tzinfo=BERLIN)
    for message_id, what in (
        ("<c0@m>", "Personal answer"),
        ("<c1@m>", "Persönliche Antwort"),
    ):
        promise = promises[message_id]
        assert promise.kind == Promise.Kind.FIRST_RESPONSE
        assert promise.state == Promise.State.OPEN
        assert promise.what == what
        assert promise.to_whom == promise.ticket.customer.email
        assert (promise.due_at, promise.original_due_at) == (due, due)
        # halfway between now and the due time: later than 4 working hours before
        assert promise.warn_at == datetime(2025, 3, 12, 12, 11, tzinfo=BERLIN)
        assert promise.created_at == promise.state_changed_at == NOW
        assert promise.source_message.is_auto
        assert promise.source_message.kind == Message.Kind.REPLY
        assert promise.source_message.ticket_id == promise.ticket_id
        (event,) = promise.events.all()
        assert (event.from_state, event.to_state) == ("", Promise.State.OPEN)
        assert (event.due_at, event.note_text) == (due, "Automatic acknowledgement")
    assert not FollowUp.objects.exists()
    assert not Notification.objects.exists()


def test_a_sender_past_the_hourly_limit_gets_no_promise_either(inbox, tmp_path):
    # given four complaints from one sender: three are acknowledged
    emails = [
        mail("angry@mail.example", f"<a{n}@m>", f"Order {n}", "Still nothing.")
        for n in range(4)
    ]
    # when
    with freeze_time(NOW):
        ingest(tmp_path, emails)
    # then
    acknowledged = Message.objects.filter(kind=Message.Kind.REPLY, is_auto=True)
    assert acknowledged.count() == 3
    assert set(Promise.objects.values_list("source_message", flat=True)) == set(
        acknowledged.values_list("pk", flat=True)
    )


def test_promises_take_the_same_statements_for_many_tickets_as_for_few(inbox, tmp_path):
    # given
    def promise_statements(count: int, prefix: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            ingest(tmp_path / prefix, complaints(count, prefix))
        return sum('"followups_' in q["sql"] for q in queries.captured_queries)

    # when
    few = promise_statements(2, "few")
    many = promise_statements(30, "many")
    # then: settings, running promises, promises, events
    assert few == many == 4
    assert PromiseEvent.objects.count() == 32
