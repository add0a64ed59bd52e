"""Intake in chunks (the ingest command): emails stored a chunk per commit,
parsed in a worker process, decided together; the outcome is the one of
processing them one by one in order, whatever the chunk boundaries."""

import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Count

from tickets.mail import batch, intake
from tickets.models import InboundEmail, Message, OutboundEmail, Ticket
from tickets.tests.factories import InboxFactory, MembershipFactory


@pytest.fixture
def inbox(db):
    inbox = InboxFactory(
        slug="support",
        email_address="support@shop.example",
        reference_prefix="SUP",
        auto_assign=True,
    )
    for name in ("alex", "bo"):
        MembershipFactory(inbox=inbox, user__username=name)
    return inbox


@pytest.fixture
def small_chunks(monkeypatch):
    """Three emails per chunk, so a short mailbox crosses several chunks."""
    monkeypatch.setattr(intake, "CHUNK_MESSAGES", 3)


def mail(sender: str, message_id: str, *, subject: str = "Order late", **headers):
    lines = [f"From: {sender}", "To: support@shop.example", f"Subject: {subject}"]
    lines.append(f"Message-ID: {message_id}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    lines += ["Content-Type: text/plain; charset=utf-8", "", f"Text of {message_id}"]
    return "\n".join(lines).encode() + b"\n"


def ingest_maildir(tmp_path, emails: list[bytes]) -> dict:
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for n, data in enumerate(emails):
        (maildir / "new" / f"{1_741_590_000 + n}.M{n}P1.mx").write_bytes(data)
    out = io.StringIO()
    call_command(
        "ingest_email", "--inbox", "support", "--json", str(maildir), stdout=out
    )
    return json.loads(out.getvalue())


def ticket_of(message_id: str) -> Ticket:
    return InboundEmail.objects.get(message_id=message_id).ticket


def test_replies_thread_onto_tickets_opened_in_the_same_and_earlier_chunks(
    inbox, small_chunks, tmp_path
):
    # given a conversation spread over three chunks, one reply next to its original
    emails = [
        mail("ann@mail.example", "<a1@m>"),
        mail("ann@mail.example", "<a2@m>", In_Reply_To="<a1@m>"),
        mail("ben@mail.example", "<b1@m>"),
        mail("cat@mail.example", "<c1@m>"),
        mail("ann@mail.example", "<a3@m>", In_Reply_To="<a2@m>"),
        mail("ben@mail.example", "<b2@m>", References="<x@m> <b1@m>"),
        mail("cat@mail.example", "<c2@m>", In_Reply_To="<c1@m>"),
    ]
    # when
    summary = ingest_maildir(tmp_path, emails)
    # then
    assert (summary["tickets_created"], summary["replies_threaded"]) == (3, 4)
    assert ticket_of("<a3@m>") == ticket_of("<a2@m>") == ticket_of("<a1@m>")
    assert ticket_of("<b2@m>") == ticket_of("<b1@m>")
    assert ticket_of("<c2@m>") == ticket_of("<c1@m>")


def test_a_message_repeated_within_and_across_chunks_is_stored_and_counted_once(
    inbox, small_chunks, tmp_path
):
    # given
    same = mail("ann@mail.example", "<same@m>")
    emails = [same, same, mail("ben@mail.example", "<b@m>"), same, same]
    # when
    summary = ingest_maildir(tmp_path, emails)
    # then
    assert summary == {
        "total": 5,
        "tickets_created": 2,
        "replies_threaded": 0,
        "duplicates": 3,
        "auto_ignored": 0,
        "quarantined": 0,
    }
    assert InboundEmail.objects.filter(message_id="<same@m>").count() == 1


def test_numbers_assignment_and_acknowledgements_follow_the_mailbox_order(
    inbox, small_chunks, tmp_path
):
    # given
    emails = [mail(f"c{n}@mail.example", f"<n{n}@m>") for n in range(7)]
    # when
    ingest_maildir(tmp_path, emails)
    # then
    tickets = list(Ticket.objects.order_by("number"))
    assert [t.messages.first().message_id for t in tickets] == [
        f"<n{n}@m>" for n in range(7)
    ]
    assert [t.reference for t in tickets] == [f"SUP-{1001 + n}" for n in range(7)]
    assignees = [t.assignee.username for t in tickets]
    assert assignees == ["alex", "bo"] * 3 + ["alex"]
    assert OutboundEmail.objects.count() == 7
    inbox.refresh_from_db()
    assert inbox.last_ticket_number == 1007


def test_a_sender_gets_at_most_three_acknowledgements_even_within_one_chunk(
    inbox, tmp_path
):
    # given four complaints from one sender in one chunk
    emails = [mail("angry@mail.example", f"<angry{n}@m>") for n in range(4)]
    # when
    ingest_maildir(tmp_path, emails)
    # then
    assert Message.objects.filter(kind=Message.Kind.REPLY, is_auto=True).count() == 3


def test_the_mailbox_is_read_in_this_process_when_the_worker_cannot_start(
    inbox, small_chunks, tmp_path, monkeypatch
):
    # given a worker process that cannot be started
    def cannot_start(*args, **kwargs):
        raise OSError("no processes left")

    monkeypatch.setattr(intake.subprocess, "Popen", cannot_start)
    emails = [mail(f"c{n}@mail.example", f"<w{n}@m>") for n in range(7)]
    # when
    summary = ingest_maildir(tmp_path, emails)
    # then
    assert summary["tickets_created"] == 7


def test_a_failing_chunk_is_processed_again_one_email_at_a_time(
    inbox, tmp_path, monkeypatch
):
    # given a batch write that fails whenever it holds more than one email
    original = batch.Batch.run

    def fragile(self):
        if len(self.items) > 1:
            raise RuntimeError("cannot write this batch")
        original(self)

    monkeypatch.setattr(batch.Batch, "run", fragile)
    emails = [
        mail("ann@mail.example", "<r1@m>"),
        mail("ann@mail.example", "<r2@m>", In_Reply_To="<r1@m>"),
    ]
    # when
    summary = ingest_maildir(tmp_path, emails)
    # then nothing is lost and the outcome is the same
    assert (summary["tickets_created"], summary["replies_threaded"]) == (1, 1)
    assert ticket_of("<r2@m>") == ticket_of("<r1@m>")
    assert set(InboundEmail.objects.values_list("attempts", flat=True)) == {1}


def test_an_email_that_fails_alone_is_quarantined_and_the_rest_processed(
    inbox, tmp_path, monkeypatch
):
    # given one email whose processing always fails
    original = batch.Batch._deliver

    def broken_for_bob(self, item, *, is_bulk):
        if item.parsed.from_address == "bob@mail.example":
            raise ValueError("bug for bob")
        original(self, item, is_bulk=is_bulk)

    monkeypatch.setattr(batch.Batch, "_deliver", broken_for_bob)
    emails = [
        mail("ann@mail.example", "<q1@m>"),
        mail("bob@mail.example", "<q2@m>"),
        mail("cat@mail.example", "<q3@m>"),
    ]
    # when
    summary = ingest_maildir(tmp_path, emails)
    # then
    assert (summary["tickets_created"], summary["quarantined"]) == (2, 1)
    row = InboundEmail.objects.get(message_id="<q2@m>")
    assert row.status == InboundEmail.Status.QUARANTINED
    assert "ValueError: bug for bob" in row.error
    counts = Ticket.objects.values("customer__email").annotate(n=Count("id"))
    assert {c["customer__email"] for c in counts} == {
        "ann@mail.example",
        "cat@mail.example",
    }


def test_an_email_read_by_the_worker_process_is_quarantined_with_its_reason(
    inbox, small_chunks, tmp_path
):
    # given an email without a sender, in a chunk read by the worker process
    emails = [mail(f"c{n}@mail.example", f"<p{n}@m>") for n in range(3)]
    emails.append(b"Subject: no sender at all\n\nhello\n")
    # when
    summary = ingest_maildir(tmp_path, emails)
    # then
    assert (summary["tickets_created"], summary["quarantined"]) == (3, 1)
    row = InboundEmail.objects.get(status=InboundEmail.Status.QUARANTINED)
    assert "From header" in row.error


def test_chunks_after_the_first_are_read_by_the_worker_process(
    inbox, small_chunks, tmp_path, monkeypatch
):
    # given
    answers = []
    receive = intake.reading.receive

    def counting_receive(stream):
        answers.append(receive(stream))
        return answers[-1]

    monkeypatch.setattr(intake.reading, "receive", counting_receive)
    emails = [mail(f"c{n}@mail.example", f"<k{n}@m>") for n in range(8)]
    # when
    summary = ingest_maildir(tmp_path, emails)
    # then the second and third chunk came back from the worker, read
    assert [len(a) for a in answers] == [3, 2]
    assert summary["tickets_created"] == 8
