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


def test_insert_rows_sends_a_column_the_same_in_every_row_once(
    django_assert_num_queries,
):
    # given: rows alike in all but one column, and rows alike in every column
    ticket = TicketFactory()
    now = timezone.now()
    alike = {
        "ticket_id": ticket.pk,
        "kind": Message.Kind.REPLY,
        "to_addresses": ["same@example.com"],
        "body_text": "Same",
        "created_at": now,
    }
    varied = [{**alike, "message_id": f"<v{i}@amends.example>"} for i in range(3)]
    # when
    with django_assert_num_queries(2):
        varied_ids = insert_rows(Message, varied)
        same_ids = insert_rows(Message, [alike, alike])
    # then
    stored = Message.objects.in_bulk([*varied_ids, *same_ids])
    assert [stored[pk].message_id for pk in varied_ids] == [
        r["message_id"] for r in varied
    ]
    assert len(set(same_ids)) == 2
    for pk in [*varied_ids, *same_ids]:
        assert stored[pk].to_addresses == ["same@example.com"]
        assert stored[pk].created_at == now
        assert stored[pk].body_text == "Same"
