"""Inbound mail end to end through the one intake service: every corpus file
gets its outcome; raw first, duplicates, threading, participants, reopening,
loop guard, quarantine, acknowledgements and the HTTP endpoint."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import mail
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIRequestFactory

from helpdesk.exceptions import DomainError
from tickets import services
from tickets.api.inbound import InboundEmailApi
from tickets.mail import acknowledge, intake
from tickets.models import (
    InboundEmail,
    Message,
    OutboundEmail,
    Ticket,
    TicketEvent,
)
from tickets.tests.factories import CustomerFactory, InboxFactory, MessageFactory

CORPUS = Path(__file__).parent / "mail_corpus"
Status = InboundEmail.Status

# The expected summary bucket of every corpus file (see mail_corpus/README.md).
EXPECTED = {
    "new_plain_en.eml": "tickets_created",
    "new_qp_latin1_de.eml": "tickets_created",
    "new_html_only_de.eml": "tickets_created",
    "new_alternative_gmail_en.eml": "tickets_created",
    "new_nested_attachments_en.eml": "tickets_created",
    "new_oversize_attachment_de.eml": "tickets_created",
    "new_unknown_charset_en.eml": "tickets_created",
    "new_no_subject_no_date_no_id.eml": "tickets_created",
    "new_broken_headers_de.eml": "tickets_created",
    "new_rfc2231_filename_de.eml": "tickets_created",
    "new_forwarded_attachment_en.eml": "tickets_created",
    "new_8bit_utf8_headers_de.eml": "tickets_created",
    "bulk_list_mail.eml": "tickets_created",
    "reply_stranger_quotes_reference.eml": "tickets_created",
    "broken_no_from.eml": "quarantined",
    "reply_gmail_en.eml": "replies_threaded",
    "reply_outlook_en.eml": "replies_threaded",
    "reply_thunderbird_de.eml": "replies_threaded",
    "reply_outlook_de_subject_only.eml": "replies_threaded",
    "reply_apple_mail_token_en.eml": "replies_threaded",
    "bounce_postfix.eml": "auto_ignored",
    "bounce_exim.eml": "auto_ignored",
    "bounce_exchange_de.eml": "auto_ignored",
    "bounce_gmail_dsn.eml": "auto_ignored",
    "bounce_empty_return_path.eml": "auto_ignored",
    "dsn_delayed_postfix.eml": "auto_ignored",
    "ooo_exchange_de.eml": "auto_ignored",
    "ooo_subject_only_en.eml": "auto_ignored",
    "autoreply_x_autoreply_de.eml": "auto_ignored",
    "autoreply_precedence_en.eml": "auto_ignored",
}
LOOP_FILES = [name for name, bucket in EXPECTED.items() if bucket == "auto_ignored"]


def _existing_ticket(inbox, *, email, name, language, subject, first_id, token, n):
    customer = CustomerFactory(email=email, name=name, language=language)
    ticket = services.ticket_create(
        inbox=inbox, customer=customer, subject=subject, message_id=first_id
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        reply_token=token, status=Ticket.Status.WAITING_CUSTOMER
    )
    reply = MessageFactory(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        author_customer=None,
        from_address=inbox.email_address,
        to_addresses=[email],
        message_id=f"<reply-{n}@amends.example>",
    )
    OutboundEmail.objects.create(message=reply, status=OutboundEmail.Status.SENT)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def world(db):
    """The inbox and the two tickets the corpus replies and bounces refer to."""
    inbox = InboxFactory(
        name="Shop Support",
        slug="support",
        email_address="support@shop.example",
        reference_prefix="SUP",
        max_attachment_bytes=4096,
        expected_first_response=timedelta(hours=8),
        time_zone="Europe/Berlin",
    )
    anna = _existing_ticket(
        inbox,
        email="anna.schmidt@kunde.example",
        name="Anna Schmidt",
        language="de",
        subject="Kaffeemaschine defekt",
        first_id="<anna-1@kunde.example>",
        token="a1b2c3d4e5f60718",
        n=1001,
    )
    oliver = _existing_ticket(
        inbox,
        email="oliver.grant@mail.example",
        name="Oliver Grant",
        language="en",
        subject="Missing parcel",
        first_id="<oliver-1@mail.example>",
        token="0f1e2d3c4b5a6978",
        n=1002,
    )
    return SimpleNamespace(inbox=inbox, anna=anna, oliver=oliver)


def raw(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def ingest(world, data: bytes) -> InboundEmail:
    return intake.email_ingest(
        inbox=world.inbox, raw=data, source=InboundEmail.Source.COMMAND
    )


def acks() -> list[Message]:
    return list(Message.objects.filter(kind=Message.Kind.REPLY, is_auto=True))


# --- the corpus --------------------------------------------------------------


def test_every_corpus_file_has_an_expected_outcome():
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize(("name", "bucket"), EXPECTED.items())
def test_corpus_message_gets_its_outcome_and_raw_bytes_are_kept(world, name, bucket):
    # when
    row = ingest(world, raw(name))
    # then
    assert intake.outcome_bucket(row) == bucket, row.error
    stored = InboundEmail.objects.get(pk=row.pk)
    assert bytes(stored.raw) == raw(name)
    assert stored.attempts == 1
    assert stored.processed_at is not None


@pytest.mark.parametrize("name", LOOP_FILES)
def test_bounces_and_auto_replies_never_open_a_ticket_nor_get_an_answer(world, name):
    # given
    tickets_before = Ticket.objects.count()
    # when
    ingest(world, raw(name))
    # then
    assert Ticket.objects.count() == tickets_before
    assert acks() == []


# --- new tickets and their acknowledgement -----------------------------------


def test_new_complaint_opens_a_ticket_and_queues_an_english_acknowledgement(world):
    # when
    row = ingest(world, raw("new_plain_en.eml"))
    # then
    ticket = row.ticket
    assert ticket.subject == "Order 48213 still not delivered"
    assert ticket.customer.email == "john.miller@mail.example"
    assert ticket.customer.name == "John Miller"
    first = ticket.messages.get(kind=Message.Kind.INBOUND)
    assert first.message_id == "<CAJm1n8x7Q@mail.example>"
    assert "nine days" in first.body_text
    (ack,) = acks()
    assert ack.ticket == ticket
    assert ack.to_addresses == ["john.miller@mail.example"]
    assert f"[{ticket.reference}]" in ack.subject
    assert ack.in_reply_to == "<CAJm1n8x7Q@mail.example>"
    assert "Hello John Miller" in ack.body_text
    assert "I am sorry" in ack.body_text
    assert "you will hear from me by" in ack.body_text
    assert ack.outbound.status == OutboundEmail.Status.QUEUED
    ticket.refresh_from_db()
    assert ticket.first_response_at is None  # a robot's answer is no response


def test_german_complaint_gets_a_german_apology_with_a_local_due_time(world):
    # given: 08:07 UTC is 09:07 in Berlin; eight hours later, rounded up
    with freeze_time("2025-03-11 08:07:00"):
        # when
        row = ingest(world, raw("new_qp_latin1_de.eml"))
    # then
    assert row.ticket.subject == "Beschädigte Lieferung \u2013 Bestellung 51877"
    assert row.ticket.customer.language == "de"
    (ack,) = acks()
    assert ack.body_text.startswith("Guten Tag Greta Bauer,")
    assert "Es tut mir leid" in ack.body_text
    assert "kümmere mich persönlich darum" in ack.body_text
    assert "Sie hören spätestens heute um 17:15 Uhr von mir." in ack.body_text


@pytest.mark.parametrize(
    ("due", "language", "expected"),
    [
        ("2025-03-11 12:00", "en", "13:00 today"),
        ("2025-03-11 12:01", "en", "13:15 today"),
        ("2025-03-12 07:00", "de", "morgen um 08:00 Uhr"),
        ("2025-03-14 16:00", "en", "Friday 17:00"),
        ("2025-03-14 16:00", "de", "am Freitag um 17:00 Uhr"),
        ("2025-03-25 08:00", "en", "Tuesday, 25 March, 09:00"),
        ("2025-03-25 08:00", "de", "am Dienstag, 25. März, um 09:00 Uhr"),
    ],
)
def test_due_time_is_said_the_way_people_say_it_in_the_inbox_zone(
    due, language, expected
):
    now = datetime(2025, 3, 11, 8, 0, tzinfo=UTC)  # Tuesday, 09:00 in Berlin
    due_at = datetime.fromisoformat(due).replace(tzinfo=UTC)
    assert (
        acknowledge.reply_by(
            due=due_at, now=now, time_zone="Europe/Berlin", language=language
        )
        == expected
    )


@pytest.mark.parametrize(
    ("text", "german"),
    [
        ("Meine Bestellung ist immer noch nicht da, bitte helfen Sie mir.", True),
        ("Größe falsch", True),
        ("My order is still not here, please help.", False),
        ("Order 4711", False),
    ],
)
def test_german_is_recognised_from_the_message(text, german):
    assert acknowledge.looks_german(text) is german


def test_acknowledgement_is_sent_as_an_auto_reply_with_our_threading_headers(
    world, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        row = ingest(world, raw("new_plain_en.eml"))
    # then
    (sent,) = mail.outbox
    (ack,) = acks()
    assert sent.extra_headers["Auto-Submitted"] == "auto-replied"
    assert sent.extra_headers["Message-ID"] == ack.message_id
    assert sent.extra_headers["In-Reply-To"] == "<CAJm1n8x7Q@mail.example>"
    assert sent.extra_headers["Reply-To"] == (
        f"support+{row.ticket.reply_token}@shop.example"
    )


def test_acknowledgements_are_limited_to_three_per_sender_per_hour(world):
    # given five different complaints from one sender
    template = raw("new_plain_en.eml")
    # when
    for n in range(5):
        ingest(world, template.replace(b"<CAJm1n8x7Q@", f"<n{n}@".encode()))
    # then
    assert (
        Ticket.objects.filter(customer__email="john.miller@mail.example").count() == 5
    )
    assert len(acks()) == 3


def test_list_mail_opens_a_bulk_ticket_without_acknowledgement(world):
    row = ingest(world, raw("bulk_list_mail.eml"))
    assert row.outcome == InboundEmail.Outcome.BULK
    assert row.ticket.is_bulk is True
    assert acks() == []


def test_html_only_mail_is_readable_as_text_and_its_html_is_harmless(world):
    # when
    message = ingest(world, raw("new_html_only_de.eml")).result_message
    # then
    assert "seit drei Wochen warte ich auf die Rückerstattung" in message.body_text
    html = message.body_html
    assert "<b>60412</b>" in html
    for dangerous in ("<script", "onload", "onclick", "javascript:", "<iframe",
                      "tracker.example", "style"):  # fmt: skip
        assert dangerous not in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_attachments_are_kept_and_an_oversize_one_is_left_out_with_a_note(world):
    # when
    message = ingest(world, raw("new_oversize_attachment_de.eml")).result_message
    # then
    (kept,) = message.attachments.all()
    assert (kept.filename, kept.content_type) == ("beleg.pdf", "application/pdf")
    assert kept.file.read().startswith(b"%PDF")
    assert "netzteil.mp4" in message.body_text
    assert "was not kept" in message.body_text
    assert "Netzteil meines Laptops" in message.body_text


def test_nested_multipart_keeps_inline_image_and_attachment_and_cc(world):
    message = ingest(world, raw("new_nested_attachments_en.eml")).result_message
    assert sorted(a.filename for a in message.attachments.all()) == [
        "invoice-80311.pdf",
        "kettle.png",
    ]
    assert message.cc_addresses == ["accounts@work.example"]


def test_rfc2231_and_encoded_attachment_names_are_decoded(world):
    message = ingest(world, raw("new_rfc2231_filename_de.eml")).result_message
    assert sorted(a.filename for a in message.attachments.all()) == [
        "Lieferschein Übersicht.csv",
        "Rechnung März.pdf",
    ]


# --- raw first and duplicates -----------------------------------------------


def test_same_message_delivered_twice_is_stored_once_and_creates_nothing_new(world):
    # given
    first = ingest(world, raw("new_plain_en.eml"))
    # when
    again = ingest(world, raw("new_plain_en.eml"))
    # then
    assert again.pk == first.pk
    assert again.is_duplicate is True
    assert intake.outcome_bucket(again) == "duplicates"
    assert InboundEmail.objects.count() == 1
    assert (
        Ticket.objects.filter(customer__email="john.miller@mail.example").count() == 1
    )


def test_different_message_reusing_a_message_id_is_kept(world):
    # given
    ingest(world, raw("new_plain_en.eml"))
    other = raw("new_plain_en.eml").replace(b"coffee grinder", b"milk frother")
    # when
    row = ingest(world, other)
    # then
    assert row.is_duplicate is False
    assert row.outcome == InboundEmail.Outcome.TICKET_CREATED
    assert InboundEmail.objects.count() == 2


def test_redelivery_through_another_route_is_a_duplicate(world):
    # given the same message, once more with an extra trace header
    first = ingest(world, raw("new_plain_en.eml"))
    rerouted = b"Received: from backup-mx.shop.example by mx.shop.example\n" + raw(
        "new_plain_en.eml"
    )
    # when
    row = ingest(world, rerouted)
    # then
    assert row.status == Status.DUPLICATE
    assert row.result_message == first.result_message
    assert (
        Ticket.objects.filter(customer__email="john.miller@mail.example").count() == 1
    )


def test_message_without_message_id_is_keyed_by_its_content(world):
    first = ingest(world, raw("new_no_subject_no_date_no_id.eml"))
    again = ingest(world, raw("new_no_subject_no_date_no_id.eml"))
    assert first.message_id.endswith("@hash>")
    assert again.pk == first.pk
    assert first.ticket.subject == "(no subject)"


def test_receive_commits_raw_and_processes_after_commit(
    world, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        row = intake.email_receive(
            inbox=world.inbox,
            raw=raw("new_plain_en.eml"),
            source=InboundEmail.Source.HTTP,
            enqueue=True,
        )
    # then the bytes are stored before anything is parsed
    assert row.status == Status.RECEIVED
    assert row.ticket is None
    assert len(callbacks) == 1
    callbacks[0]()  # the worker's turn
    row.refresh_from_db()
    assert row.status == Status.PROCESSED
    assert row.ticket.customer.email == "john.miller@mail.example"


def test_processing_again_changes_nothing(world):
    row = ingest(world, raw("new_plain_en.eml"))
    again = intake.email_process(inbound_id=row.pk)
    assert (again.status, again.ticket_id, again.attempts) == (
        Status.PROCESSED,
        row.ticket_id,
        1,
    )
    assert Ticket.objects.count() == 3


def test_stored_but_unprocessed_message_is_processed_when_delivered_again(world):
    # given a crash between storing and processing
    row = intake.email_receive(
        inbox=world.inbox, raw=raw("new_plain_en.eml"), source="command"
    )
    # when
    again = ingest(world, raw("new_plain_en.eml"))
    # then
    assert again.pk == row.pk
    assert intake.outcome_bucket(again) == "tickets_created"


# --- threading and participants ---------------------------------------------


def test_gmail_reply_threads_by_header_and_hides_the_quoted_history(world):
    # when
    row = ingest(world, raw("reply_gmail_en.eml"))
    # then
    assert row.ticket == world.oliver
    message = row.result_message
    assert message.body_text.endswith("Can you check with the courier?\n\nOliver")
    assert "wrote:" in message.body_quoted
    assert "> I am sorry your parcel has not arrived." in message.body_quoted


def test_outlook_german_reply_threads_by_subject_tag(world):
    row = ingest(world, raw("reply_outlook_de_subject_only.eml"))
    assert row.ticket == world.anna
    assert "Ursprüngliche Nachricht" not in row.result_message.body_text
    assert "Muss ich das alte Gerät zurückschicken?" in row.result_message.body_text


def test_apple_mail_reply_threads_by_reply_token(world):
    row = ingest(world, raw("reply_apple_mail_token_en.eml"))
    assert row.ticket == world.oliver
    assert row.result_message.body_text.startswith("It arrived this morning")


def test_customer_reply_moves_the_ticket_back_to_open_and_is_audited(world):
    # when
    row = ingest(world, raw("reply_thunderbird_de.eml"))
    # then
    ticket = row.ticket
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.last_message_at == row.result_message.created_at
    assert ticket.events.filter(kind=TicketEvent.Kind.RECEIVED).count() == 1


def test_customer_reply_reopens_a_resolved_ticket(world):
    # given
    services.ticket_transition(ticket=world.anna, to=Ticket.Status.RESOLVED, actor=None)
    # when
    ingest(world, raw("reply_thunderbird_de.eml"))
    # then
    world.anna.refresh_from_db()
    assert world.anna.status == Ticket.Status.OPEN
    assert world.anna.resolved_at is None
    assert acks() == []


def test_reply_to_a_closed_ticket_opens_a_new_linked_ticket(world):
    # given
    services.ticket_transition(ticket=world.anna, to=Ticket.Status.CLOSED, actor=None)
    # when
    row = ingest(world, raw("reply_thunderbird_de.eml"))
    # then
    assert row.outcome == InboundEmail.Outcome.TICKET_CREATED
    assert row.ticket != world.anna
    assert row.ticket.linked_to == world.anna
    assert row.ticket.customer == world.anna.customer


def test_stranger_quoting_a_ticket_reference_gets_a_new_linked_ticket(world):
    # when
    row = ingest(world, raw("reply_stranger_quotes_reference.eml"))
    # then
    assert row.ticket != world.anna
    assert row.ticket.linked_to == world.anna
    assert row.ticket.customer.email == "mallory@elsewhere.example"
    assert world.anna.messages.filter(from_address__icontains="mallory").count() == 0


def test_colleague_in_cc_may_reply_onto_the_ticket(world):
    # given Anna wrote with her colleague in Cc
    services.ticket_add_inbound(
        ticket=world.anna,
        customer=world.anna.customer,
        from_address="anna.schmidt@kunde.example",
        subject="Re: Kaffeemaschine defekt",
        body_text="Mein Kollege Ben ist in Kopie.",
        message_id="<anna-2@kunde.example>",
        to=["support@shop.example"],
        cc=["ben.vogel@kunde.example"],
    )
    reply = raw("reply_thunderbird_de.eml").replace(
        b"From: Anna Schmidt <anna.schmidt@kunde.example>",
        b"From: Ben Vogel <Ben.Vogel@kunde.example>",
    )
    # when
    row = ingest(world, reply)
    # then
    assert row.outcome == InboundEmail.Outcome.REPLY_THREADED
    assert row.ticket == world.anna


# --- loop guard ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ticket_name"),
    [
        ("bounce_postfix.eml", "oliver"),
        ("bounce_exim.eml", "anna"),
        ("bounce_exchange_de.eml", "anna"),
        ("bounce_empty_return_path.eml", "oliver"),
    ],
)
def test_bounce_of_our_reply_marks_its_delivery_failed(world, name, ticket_name):
    # given
    ticket = getattr(world, ticket_name)
    # when
    row = ingest(world, raw(name))
    # then
    assert row.outcome == InboundEmail.Outcome.BOUNCE
    assert row.ticket == ticket
    outbound = OutboundEmail.objects.get(message__ticket=ticket)
    assert outbound.status == OutboundEmail.Status.FAILED
    event = ticket.events.get(kind=TicketEvent.Kind.DELIVERY)
    assert event.to_value == OutboundEmail.Status.FAILED


def test_postfix_bounce_records_the_servers_reason(world):
    ingest(world, raw("bounce_postfix.eml"))
    outbound = OutboundEmail.objects.get(message__ticket=world.oliver)
    assert "User unknown" in outbound.last_error


def test_delay_notice_does_not_fail_the_delivery(world):
    row = ingest(world, raw("dsn_delayed_postfix.eml"))
    assert row.outcome == InboundEmail.Outcome.BOUNCE
    outbound = OutboundEmail.objects.get(message__ticket=world.oliver)
    assert outbound.status == OutboundEmail.Status.SENT


def test_bounce_of_a_message_we_do_not_know_is_only_kept(world):
    row = ingest(world, raw("bounce_gmail_dsn.eml"))
    assert (row.status, row.ticket) == (Status.IGNORED, None)
    assert not OutboundEmail.objects.filter(status=OutboundEmail.Status.FAILED).exists()


def test_out_of_office_reply_is_shown_on_its_ticket_without_reopening_it(world):
    # given
    services.ticket_transition(ticket=world.anna, to=Ticket.Status.RESOLVED, actor=None)
    # when
    row = ingest(world, raw("ooo_exchange_de.eml"))
    # then
    world.anna.refresh_from_db()
    assert world.anna.status == Ticket.Status.RESOLVED
    message = row.result_message
    assert (message.ticket, message.is_auto) == (world.anna, True)
    assert "nicht im\nBüro" in message.body_text


def test_out_of_office_from_a_stranger_is_stored_and_listed_as_such(world):
    row = ingest(world, raw("ooo_subject_only_en.eml"))
    assert (row.status, row.outcome) == (
        Status.IGNORED,
        InboundEmail.Outcome.AUTO_REPLY,
    )
    assert row.ticket is None


# --- quarantine ------------------------------------------------------------------


def test_message_without_sender_is_quarantined_with_reason_and_raw_kept(world):
    row = ingest(world, raw("broken_no_from.eml"))
    assert row.status == Status.QUARANTINED
    assert "From header" in row.error
    assert bytes(InboundEmail.objects.get(pk=row.pk).raw) == raw("broken_no_from.eml")


def test_parser_failure_is_quarantined_and_can_be_reprocessed_after_a_fix(
    world, monkeypatch
):
    # given a parser bug
    def broken(*args, **kwargs):
        raise ValueError("parser bug")

    monkeypatch.setattr(intake, "parse_email", broken)
    row = ingest(world, raw("new_plain_en.eml"))
    assert row.status == Status.QUARANTINED
    assert "ValueError: parser bug" in row.error
    # when the fix is deployed and an admin reprocesses
    monkeypatch.undo()
    row = intake.email_reprocess(inbound_id=row.pk)
    # then
    assert (row.status, row.error, row.attempts) == (Status.PROCESSED, "", 2)
    assert row.ticket.customer.email == "john.miller@mail.example"


def test_only_quarantined_mail_can_be_reprocessed(world):
    row = ingest(world, raw("new_plain_en.eml"))
    with pytest.raises(DomainError):
        intake.email_reprocess(inbound_id=row.pk)


# --- property: nothing raises, nothing is lost -----------------------------------

_HEADER_NAMES = [
    b"From", b"To", b"Cc", b"Subject", b"Message-ID", b"In-Reply-To",
    b"References", b"Content-Type", b"Content-Transfer-Encoding",
    b"Content-Disposition", b"Auto-Submitted", b"Return-Path", b"Precedence",
]  # fmt: skip
_email_like = st.builds(
    lambda headers, body: (
        b"".join(n + b": " + v + b"\r\n" for n, v in headers) + b"\r\n" + body
    ),
    st.lists(
        st.tuples(
            st.sampled_from(_HEADER_NAMES),
            st.one_of(
                st.binary(max_size=60),
                st.sampled_from(
                    [
                        b"multipart/mixed; boundary=x",
                        b"text/plain; charset=x-nope",
                        b"base64",
                        b"=?utf-8?B?w6TDtsO8?=",
                        b"a@b.example",
                        b"<>",
                    ]
                ),
            ),
        ),
        max_size=8,
    ),
    st.binary(max_size=400),
)
_mutated_corpus = st.builds(
    lambda data, at, junk: data[:at] + junk + data[at + len(junk) :],
    st.sampled_from([raw(name) for name in sorted(EXPECTED)]),
    st.integers(min_value=0, max_value=3000),
    st.binary(min_size=1, max_size=40),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.one_of(st.binary(max_size=1500), _email_like, _mutated_corpus))
def test_intake_never_raises_and_never_loses_a_message(world, data):
    # when
    row = intake.email_receive(inbox=world.inbox, raw=data, source="command")
    intake.email_process(inbound_id=row.pk)
    # then
    stored = InboundEmail.objects.get(pk=row.pk)
    assert bytes(stored.raw) == data
    assert stored.status != Status.RECEIVED


# --- HTTP endpoint -------------------------------------------------------------


def post_raw(inbox, data: bytes, **headers):
    request = APIRequestFactory().post(
        f"/api/v1/inboxes/{inbox.slug}/inbound/",
        data=data,
        content_type="message/rfc822",
        **headers,
    )
    return InboundEmailApi.as_view()(request, slug=inbox.slug)


def test_endpoint_accepts_raw_mail_with_the_inbox_token_and_processes_it(
    world, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = post_raw(
            world.inbox,
            raw("new_plain_en.eml"),
            HTTP_AUTHORIZATION=f"Bearer {world.inbox.inbound_secret}",
        )
    # then
    assert response.status_code == 202
    assert response.data["duplicate"] is False
    row = InboundEmail.objects.get(pk=response.data["id"])
    assert row.source == InboundEmail.Source.HTTP
    assert row.status == Status.PROCESSED


def test_endpoint_accepts_the_token_header_and_reports_duplicates(world):
    headers = {"HTTP_X_AMENDS_TOKEN": world.inbox.inbound_secret}
    first = post_raw(world.inbox, raw("new_plain_en.eml"), **headers)
    again = post_raw(world.inbox, raw("new_plain_en.eml"), **headers)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.data == {**first.data, "duplicate": True}


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_X_AMENDS_TOKEN": "wrong"}],
)
def test_endpoint_refuses_a_missing_or_wrong_token(world, headers):
    response = post_raw(world.inbox, raw("new_plain_en.eml"), **headers)
    assert response.status_code == 401
    assert response.data == {"detail": "Missing or wrong inbox token."}
    assert InboundEmail.objects.count() == 0


def test_endpoint_answers_404_for_an_unknown_inbox(world):
    request = APIRequestFactory().post(
        "/api/v1/inboxes/nope/inbound/", data=b"x", content_type="message/rfc822"
    )
    response = InboundEmailApi.as_view()(request, slug="nope")
    assert response.status_code == 404


def test_endpoint_refuses_mail_over_the_size_limit(world, settings):
    settings.INBOUND_MAX_BYTES = 100
    response = post_raw(
        world.inbox,
        raw("new_plain_en.eml"),
        HTTP_AUTHORIZATION=f"Bearer {world.inbox.inbound_secret}",
    )
    assert response.status_code == 413
    assert InboundEmail.objects.count() == 0
