"""The loop guard: bounces and auto-replies are recognised (bounce evidence
first), bulk mail is flagged, and ordinary mail passes."""

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tickets.mail.loopguard import Kind, classify

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "mail_corpus"


def verdict(headers: str, body: str = "hello"):
    raw = f"{headers.strip()}\n\n{body}".encode()
    return classify(message_from_bytes(raw, policy=policy.default))


@pytest.mark.parametrize(
    "headers",
    [
        "From: MAILER-DAEMON@mx.example\nSubject: hello",
        "From: Postmaster <postmaster@corp.example>\nSubject: hello",
        "From: a@b.example\nSubject: Undeliverable: Re: your order",
        "From: a@b.example\nSubject: Unzustellbar: AW: Ihre Bestellung",
        "From: a@b.example\nSubject: Delivery Status Notification (Failure)",
        "From: a@b.example\nSubject: Undelivered Mail Returned to Sender",
        "From: a@b.example\nSubject: hi\nX-Failed-Recipients: c@d.example",
        "From: a@b.example\nSubject: hi\nReturn-Path: <>",
        "From: a@b.example\nContent-Type: multipart/report; "
        "report-type=delivery-status; boundary=x",
    ],
)
def test_bounces_are_recognised(headers):
    assert verdict(headers).kind == Kind.BOUNCE


@pytest.mark.parametrize(
    "headers",
    [
        "From: a@b.example\nAuto-Submitted: auto-replied\nSubject: hi",
        "From: a@b.example\nAuto-Submitted: auto-generated; owner-email=x\nSubject: hi",
        "From: a@b.example\nX-Autoreply: yes\nSubject: hi",
        "From: a@b.example\nX-Autorespond: Thank you\nSubject: hi",
        "From: a@b.example\nPrecedence: auto_reply\nSubject: hi",
        "From: a@b.example\nSubject: Out of Office: your order",
        "From: a@b.example\nSubject: Automatic reply: RE: Missing parcel",
        "From: a@b.example\nSubject: Abwesenheitsnotiz",
        "From: a@b.example\nSubject: AW: Automatische Antwort: Lieferung",
        "From: a@b.example\nContent-Type: multipart/report; "
        "report-type=disposition-notification; boundary=x",
        # RFC 3834 auto-replies use the null sender; they are still auto-replies
        "From: a@b.example\nReturn-Path: <>\nAuto-Submitted: auto-replied\nSubject: hi",
    ],
)
def test_auto_replies_are_recognised(headers):
    assert verdict(headers).kind == Kind.AUTO_REPLY


@pytest.mark.parametrize(
    "headers",
    [
        "From: a@b.example\nPrecedence: bulk\nSubject: News",
        "From: a@b.example\nPrecedence: list\nSubject: News",
        "From: a@b.example\nPrecedence: junk\nSubject: News",
        "From: a@b.example\nList-Id: <support.lists.example>\nSubject: Question",
    ],
)
def test_bulk_and_list_mail_is_flagged(headers):
    assert verdict(headers).kind == Kind.BULK


@pytest.mark.parametrize(
    "headers",
    [
        "From: a@b.example\nSubject: My order is late",
        "From: a@b.example\nAuto-Submitted: no\nSubject: hi",
        "From: a@b.example\nSubject: Re: out of stock item, when?",
        "From: a@b.example\nReturn-Path: <a@b.example>\nSubject: Hallo",
    ],
)
def test_ordinary_mail_passes(headers):
    assert verdict(headers).kind == Kind.NONE


def test_exim_bounce_is_a_bounce_although_it_says_auto_replied():
    result = classify(
        message_from_bytes(
            (CORPUS / "bounce_exim.eml").read_bytes(), policy=policy.default
        )
    )
    assert result.kind == Kind.BOUNCE
    assert result.original_ids == ("<reply-1001@amends.example>",)


@pytest.mark.parametrize(
    ("name", "original", "failed"),
    [
        ("bounce_postfix.eml", "<reply-1002@amends.example>", True),
        ("bounce_exchange_de.eml", "<reply-1001@amends.example>", True),
        ("bounce_gmail_dsn.eml", "<reply-9999@amends.example>", True),
        ("dsn_delayed_postfix.eml", "<reply-1002@amends.example>", False),
    ],
)
def test_delivery_reports_name_the_original_message_and_whether_it_failed(
    name, original, failed
):
    result = classify(
        message_from_bytes((CORPUS / name).read_bytes(), policy=policy.default)
    )
    assert result.kind == Kind.BOUNCE
    assert result.original_ids[0] == original
    assert result.failed is failed
    assert result.diagnostic
