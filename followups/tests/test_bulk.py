"""The set-based insert of the dispatch path writes what bulk_create would."""

import pytest
from django.utils import timezone

from followups.bulk import insert_rows
from tickets.models import Message, OutboundEmail
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_insert_rows_keeps_order_arrays_and_defaults():
    # given
    ticket = TicketFactory()
    now = timezone.now()
    rows = [
        {
            "ticket_id": ticket.pk,
            "kind": Message.Kind.REPLY,
            "to_addresses": [f"c{i}@example.com", "x@example.com"],
            "subject": f"Subject {i}",
            "body_text": "Grüße aus Köln",
            "message_id": f"<m{i}@amends.example>",
            "created_at": now,
        }
        for i in range(3)
    ]
    # when
    ids = insert_rows(Message, rows)
    outbound = insert_rows(OutboundEmail, [{"message_id": pk} for pk in ids])
    # then
    messages = Message.objects.in_bulk(ids)
    assert [messages[pk].message_id for pk in ids] == [r["message_id"] for r in rows]
    first = messages[ids[0]]
    assert first.to_addresses == ["c0@example.com", "x@example.com"]
    assert first.cc_addresses == []
    assert first.body_text == "Grüße aus Köln"
    assert first.is_auto is False
    queued = OutboundEmail.objects.get(pk=outbound[0])
    assert queued.message_id == ids[0]
    assert queued.status == OutboundEmail.Status.QUEUED
    assert queued.attempts == 0


def test_insert_rows_with_nothing_does_nothing():
    assert insert_rows(Message, []) == []
