"""manage.py ingest_email: Maildirs, mbox files, single files and stdin go
through the intake one message at a time; --json prints exact counts."""

import hashlib
import io
import json
import mailbox
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tickets.models import InboundEmail, Message, Ticket
from tickets.tests.factories import InboxFactory

CORPUS = Path(__file__).parent / "mail_corpus"


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def reply_to(original_id: str, sender: str, body: str) -> bytes:
    return (
        f"From: {sender}\nTo: support@shop.example\nSubject: Re: follow-up\n"
        f"Message-ID: <re-{hashlib.sha256(body.encode()).hexdigest()}@mail.example>\n"
        f"In-Reply-To: {original_id}\nReferences: {original_id}\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()


@pytest.fixture
def inbox(db):
    return InboxFactory(slug="support", email_address="support@shop.example")


def ingest(*args: str, stdin: bytes | None = None) -> dict:
    out = io.StringIO()
    options = {"stdout": out}
    if stdin is not None:
        options["stdin"] = io.BytesIO(stdin)
    call_command("ingest_email", "--inbox", "support", "--json", *args, **options)
    return json.loads(out.getvalue())


def test_maildir_is_ingested_oldest_first_with_exact_counts(inbox, tmp_path):
    # given a Maildir whose reply sorts after the message it answers
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    files = {
        "new/1741590001.M1P1.mx": corpus("new_plain_en.eml"),
        "cur/1741590002.M2P1.mx:2,S": reply_to(
            "<CAJm1n8x7Q@mail.example>", "john.miller@mail.example", "Any news?"
        ),
        "new/1741590003.M3P1.mx": corpus("new_plain_en.eml"),
        "cur/1741590004.M4P1.mx:2,S": corpus("ooo_subject_only_en.eml"),
        "new/1741590005.M5P1.mx": corpus("bounce_gmail_dsn.eml"),
        "cur/1741590006.M6P1.mx:2,": corpus("broken_no_from.eml"),
        "tmp/1741590007.M7P1.mx": corpus("new_html_only_de.eml"),  # not delivered
    }
    for name, data in files.items():
        (maildir / name).write_bytes(data)
    # when
    summary = ingest(str(maildir))
    # then
    assert summary == {
        "total": 6,
        "tickets_created": 1,
        "replies_threaded": 1,
        "duplicates": 1,
        "auto_ignored": 2,
        "quarantined": 1,
    }
    assert InboundEmail.objects.count() == 5  # the duplicate is stored once


def test_mbox_is_streamed_with_from_escapes_undone_and_exact_counts(inbox, tmp_path):
    # given an mbox written by Python's mailbox module (it escapes "From ")
    path = tmp_path / "archive.mbox"
    box = mailbox.mbox(path)
    reply = reply_to(
        "<20250311140310.1234@kunde.example>",
        "greta.bauer@kunde.example",
        "Noch eine Frage.\nFrom the start this order went wrong.",
    )
    for data in (
        corpus("new_qp_latin1_de.eml"),
        reply,
        corpus("new_html_only_de.eml"),
        corpus("bulk_list_mail.eml"),
        corpus("autoreply_x_autoreply_de.eml"),
        reply,
    ):
        box.add(data)
    box.close()
    assert b"\n>From the start" in path.read_bytes()
    # when
    summary = ingest(str(path))
    # then
    assert summary == {
        "total": 6,
        "tickets_created": 3,
        "replies_threaded": 1,
        "duplicates": 1,
        "auto_ignored": 1,
        "quarantined": 0,
    }
    threaded = Message.objects.get(
        from_address="greta.bauer@kunde.example", in_reply_to__gt=""
    )
    assert "\nFrom the start this order went wrong." in threaded.body_text


def test_one_message_from_stdin_as_an_mta_pipe(inbox):
    summary = ingest("-", stdin=corpus("new_8bit_utf8_headers_de.eml"))
    assert summary == {
        "total": 1,
        "tickets_created": 1,
        "replies_threaded": 0,
        "duplicates": 0,
        "auto_ignored": 0,
        "quarantined": 0,
    }
    assert InboundEmail.objects.get().source == InboundEmail.Source.COMMAND


def test_single_files_and_a_folder_of_eml_files(inbox, tmp_path):
    (tmp_path / "a.eml").write_bytes(corpus("new_plain_en.eml"))
    (tmp_path / "b.eml").write_bytes(corpus("new_qp_latin1_de.eml"))
    (tmp_path / "notes.txt").write_text("not mail")
    summary = ingest(str(tmp_path), str(CORPUS / "new_alternative_gmail_en.eml"))
    assert (summary["total"], summary["tickets_created"]) == (3, 3)
    assert Ticket.objects.count() == 3


def test_without_json_a_readable_summary_is_printed(inbox):
    out = io.StringIO()
    call_command(
        "ingest_email",
        "--inbox",
        "support",
        str(CORPUS / "new_plain_en.eml"),
        stdout=out,
    )
    assert out.getvalue().strip() == (
        "1 messages: 1 new tickets, 0 replies threaded, 0 duplicates, "
        "0 bounces and auto-replies, 0 quarantined."
    )


def test_unknown_inbox_is_refused_with_a_clear_message(inbox):
    with pytest.raises(CommandError, match=r"Unknown inbox “nope”.*support"):
        call_command(
            "ingest_email", "--inbox", "nope", str(CORPUS / "new_plain_en.eml")
        )


def test_unreadable_path_is_refused_before_anything_is_ingested(inbox, tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.eml: no such file"):
        ingest(str(CORPUS / "new_plain_en.eml"), str(tmp_path / "missing.eml"))
    assert InboundEmail.objects.count() == 0


def test_database_outage_exits_with_tempfail_so_the_mta_retries(inbox, monkeypatch):
    # given a database that is down when the pipe delivers
    from django.db import OperationalError

    from tickets.mail import intake

    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(intake, "email_ingest_many", down)
    # when / then: exit status 75 (EX_TEMPFAIL) instead of a bounce-worthy 1
    with pytest.raises(SystemExit) as exit_info:
        ingest("-", stdin=corpus("new_plain_en.eml"))
    assert exit_info.value.code == 75
