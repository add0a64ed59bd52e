"""Threading: which ticket an email continues (headers, then reply token,
then subject tag) and who may add to a ticket."""

import pytest

from tickets.mail import threading
from tickets.mail.parse import ParsedEmail
from tickets.models import Message
from tickets.tests.factories import InboxFactory, MessageFactory, TicketFactory


@pytest.fixture
def inbox(db):
    return InboxFactory(email_address="support@shop.example", reference_prefix="SUP")


def email(**fields) -> ParsedEmail:
    return ParsedEmail(mime=None, from_address="c@x.example", **fields)


def test_in_reply_to_finds_the_ticket_of_our_outbound_message(inbox):
    # given
    ticket = TicketFactory(inbox=inbox)
    MessageFactory(ticket=ticket, kind=Message.Kind.REPLY, message_id="<ours@a>")
    # when
    match = threading.find_ticket(inbox=inbox, parsed=email(in_reply_to="<ours@a>"))
    # then
    assert (match.ticket, match.via) == (ticket, "headers")


def test_references_find_the_ticket_of_an_earlier_inbound_message(inbox):
    ticket = TicketFactory(inbox=inbox)
    MessageFactory(ticket=ticket, message_id="<theirs@c>")
    parsed = email(in_reply_to="<unknown@x>", references=["<theirs@c>", "<gone@x>"])
    assert threading.find_ticket(inbox=inbox, parsed=parsed).ticket == ticket


def test_in_reply_to_wins_over_older_references(inbox):
    old, new = TicketFactory(inbox=inbox), TicketFactory(inbox=inbox)
    MessageFactory(ticket=old, message_id="<old@x>")
    MessageFactory(ticket=new, message_id="<new@x>")
    parsed = email(in_reply_to="<new@x>", references=["<old@x>"])
    assert threading.find_ticket(inbox=inbox, parsed=parsed).ticket == new


def test_internal_notes_and_other_inboxes_never_match(inbox):
    MessageFactory(ticket__inbox=inbox, kind=Message.Kind.NOTE, message_id="<n@x>")
    MessageFactory(message_id="<elsewhere@x>")  # another inbox
    parsed = email(references=["<n@x>", "<elsewhere@x>"])
    assert threading.find_ticket(inbox=inbox, parsed=parsed) is None


def test_reply_token_in_any_recipient_finds_the_ticket(inbox):
    ticket = TicketFactory(inbox=inbox, reply_token="0123456789abcdef")
    parsed = email(
        to=["someone@else.example"],
        delivered_to=["support+0123456789abcdef@shop.example"],
    )
    match = threading.find_ticket(inbox=inbox, parsed=parsed)
    assert (match.ticket, match.via) == (ticket, "token")


def test_subject_tag_finds_the_ticket_last(inbox):
    ticket = TicketFactory(inbox=inbox, number=1234, reference="SUP-1234")
    parsed = email(subject="AW: Re: Kaffeemaschine [sup-1234]")
    match = threading.find_ticket(inbox=inbox, parsed=parsed)
    assert (match.ticket, match.via) == (ticket, "subject")


def test_subject_tag_of_another_prefix_is_ignored(inbox):
    TicketFactory(inbox=inbox, number=1234, reference="SUP-1234")
    parsed = email(subject="Re: [BIL-1234] invoice")
    assert threading.find_ticket(inbox=inbox, parsed=parsed) is None


def test_customer_and_conversation_addresses_are_participants(inbox):
    # given
    ticket = TicketFactory(inbox=inbox, customer__email="Anna@Kunde.example")
    MessageFactory(
        ticket=ticket,
        from_address="anna@kunde.example",
        cc_addresses=["ben@kunde.example"],
    )
    # then
    assert threading.is_participant(ticket=ticket, address="anna@KUNDE.example")
    assert threading.is_participant(ticket=ticket, address="Ben@kunde.example")
    assert not threading.is_participant(ticket=ticket, address="eve@x.example")


def test_our_own_address_is_never_a_participant(inbox):
    ticket = TicketFactory(inbox=inbox)
    MessageFactory(
        ticket=ticket, kind=Message.Kind.REPLY, from_address="support@shop.example"
    )
    assert not threading.is_participant(ticket=ticket, address="support@shop.example")
