"""The mail quarantine: managers (and staff members) of an inbox see what was
set aside and why, download the exact raw bytes and reprocess after a fix;
agents and other inboxes' managers see nothing. Plus the admin for inbound
mail."""

import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from tickets.mail import intake
from tickets.models import InboundEmail, Membership, Ticket
from tickets.tests.factories import InboxFactory, MailSourceFactory, MembershipFactory

QUARANTINE = "/mail/quarantine/"
Status = InboundEmail.Status

NO_SENDER = (
    b"To: support@amends.example\r\n"
    b"Subject: =?utf-8?q?Besch=C3=A4digte_Lieferung?=\r\n"
    b"Message-ID: <no-sender-1@mail.example>\r\n"
    b"\r\n"
    b"Die Lieferung kam kaputt an.\r\n"
)
COMPLAINT = (
    b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@mail.example>\r\n"
    b"To: support@amends.example\r\n"
    b"Subject: Order 4711 arrived broken\r\n"
    b"Message-ID: <complaint-4711@mail.example>\r\n"
    b"\r\n"
    b"The parcel was crushed.\r\n"
)


def quarantined(inbox, raw: bytes = NO_SENDER) -> InboundEmail:
    row = intake.email_ingest(inbox=inbox, raw=raw, source=InboundEmail.Source.HTTP)
    assert row.status == Status.QUARANTINED
    return row


@pytest.fixture
def broken_parser(monkeypatch):
    """A parser bug: every message is quarantined until it is fixed (undone)."""

    def broken(*args, **kwargs):
        raise ValueError("parser bug")

    monkeypatch.setattr(intake, "parse_email", broken)
    return monkeypatch


@pytest.fixture
def other_inbox(db):
    return InboxFactory(name="Billing", slug="billing", reference_prefix="BIL")


def logged_in(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


# --- who sees what ---------------------------------------------------------------


def test_agent_gets_403_and_no_quarantine_in_the_navigation(inbox, agent):
    # given
    quarantined(inbox)
    client = logged_in(agent)
    # when
    response = client.get(QUARANTINE)
    # then
    assert response.status_code == 403
    assert QUARANTINE not in client.get("/").content.decode()


def test_agent_cannot_download_or_reprocess_a_quarantined_message(inbox, agent):
    # given
    row = quarantined(inbox)
    client = logged_in(agent)
    # when
    download = client.get(f"{QUARANTINE}{row.pk}/raw/")
    reprocess = client.post(f"{QUARANTINE}{row.pk}/reprocess/")
    # then
    assert (download.status_code, reprocess.status_code) == (404, 404)
    row.refresh_from_db()
    assert row.attempts == 1


def test_manager_sees_their_inbox_quarantine_with_reason_sender_and_subject(
    inbox, manager, other_inbox
):
    # given one quarantined message here and one in an inbox they do not manage
    mine = quarantined(inbox)
    theirs = quarantined(other_inbox, NO_SENDER.replace(b"no-sender-1", b"no-sender-2"))
    # when
    response = logged_in(manager).get(QUARANTINE)
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="inbound-{mine.pk}"' in page
    assert f'id="inbound-{theirs.pk}"' not in page
    assert "Beschädigte Lieferung" in page
    assert "No usable sender" in page


def test_manager_of_another_inbox_gets_404_on_its_messages(inbox, other_inbox):
    # given
    row = quarantined(inbox)
    outsider = MembershipFactory(inbox=other_inbox, role=Membership.Role.MANAGER).user
    client = logged_in(outsider)
    # when
    download = client.get(f"{QUARANTINE}{row.pk}/raw/")
    reprocess = client.post(f"{QUARANTINE}{row.pk}/reprocess/")
    # then
    assert (download.status_code, reprocess.status_code) == (404, 404)
    assert client.get(QUARANTINE).status_code == 200  # their own, empty


def test_staff_member_of_an_inbox_sees_its_quarantine(inbox):
    # given an agent who is also staff
    staff = MembershipFactory(inbox=inbox, user__is_staff=True).user
    row = quarantined(inbox)
    # when
    response = logged_in(staff).get(QUARANTINE)
    # then
    assert f'id="inbound-{row.pk}"' in response.content.decode()


def test_staff_without_membership_sees_no_quarantine(inbox):
    # given
    staff = get_user_model().objects.create_user("admin-only", is_staff=True)
    quarantined(inbox)
    # when / then
    assert logged_in(staff).get(QUARANTINE).status_code == 403


def test_navigation_shows_managers_the_quarantine_count(inbox, manager):
    # given
    quarantined(inbox)
    quarantined(inbox, NO_SENDER.replace(b"no-sender-1", b"no-sender-2"))
    # when
    client = logged_in(manager)
    page = client.get("/").content.decode()
    counts = client.get(reverse("tickets:nav-counts")).content.decode()
    # then the entry is there and its count arrives with the others
    entry = page[page.index(f'href="{QUARANTINE}"') :]
    assert 'id="nav-count-quarantined"' in entry[: entry.index("</a>")]
    assert 'data-testid="nav-count-quarantined" hx-swap-oob="true">2<' in counts


def test_anonymous_visitor_is_sent_to_the_login_page(inbox):
    response = Client().get(QUARANTINE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- download and reprocess ------------------------------------------------------


def test_raw_download_returns_the_exact_bytes_as_an_eml_attachment(inbox, manager):
    # given
    row = quarantined(inbox)
    # when
    response = logged_in(manager).get(f"{QUARANTINE}{row.pk}/raw/")
    # then
    assert response.status_code == 200
    assert response.content == NO_SENDER
    assert response["Content-Type"] == "message/rfc822"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="inbound-{row.pk}.eml"'
    )


def test_reprocess_after_a_fix_opens_the_ticket(inbox, manager, broken_parser):
    # given a message quarantined by a parser bug
    row = quarantined(inbox, COMPLAINT)
    assert "ValueError: parser bug" in row.error
    # when the fix is deployed and the manager reprocesses
    broken_parser.undo()
    response = logged_in(manager).post(f"{QUARANTINE}{row.pk}/reprocess/")
    # then
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.outcome) == (Status.PROCESSED, "ticket_created")
    ticket = Ticket.objects.get()
    assert ticket.customer.email == "juergen@mail.example"
    [note] = get_messages(response.wsgi_request)
    assert note.message == f"Processed: Ticket created on {ticket.reference}."


def test_reprocess_that_fails_again_keeps_the_message_with_its_reason(inbox, manager):
    # given a message that still has no sender
    row = quarantined(inbox)
    # when
    response = logged_in(manager).post(f"{QUARANTINE}{row.pk}/reprocess/")
    # then
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.QUARANTINED, 2)
    [note] = get_messages(response.wsgi_request)
    assert note.level_tag == "warning"
    assert note.message.startswith("Still quarantined: No usable sender")


def test_reprocess_of_a_processed_message_changes_nothing(inbox, manager):
    # given
    row = intake.email_ingest(
        inbox=inbox, raw=COMPLAINT, source=InboundEmail.Source.HTTP
    )
    # when
    response = logged_in(manager).post(f"{QUARANTINE}{row.pk}/reprocess/")
    # then
    [note] = get_messages(response.wsgi_request)
    assert note.level_tag == "error"
    assert Ticket.objects.count() == 1


def test_reprocess_needs_the_csrf_token(inbox, manager, broken_parser):
    # given
    row = quarantined(inbox, COMPLAINT)
    broken_parser.undo()
    client = logged_in(manager, csrf=True)
    # when
    refused = client.post(f"{QUARANTINE}{row.pk}/reprocess/")
    # then
    assert refused.status_code == 403
    row.refresh_from_db()
    assert row.status == Status.QUARANTINED
    # and with the page's token it works
    client.get(QUARANTINE)
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        f"{QUARANTINE}{row.pk}/reprocess/", {"csrfmiddlewaretoken": token}
    )
    assert accepted.status_code == 302
    row.refresh_from_db()
    assert row.status == Status.PROCESSED


def test_reprocess_returns_to_the_filtered_page_it_came_from(inbox, manager):
    # given
    row = quarantined(inbox)
    # when
    response = logged_in(manager).post(
        f"{QUARANTINE}{row.pk}/reprocess/", {"next": f"{QUARANTINE}?inbox=support"}
    )
    evil = logged_in(manager).post(
        f"{QUARANTINE}{row.pk}/reprocess/", {"next": "https://evil.example/"}
    )
    # then
    assert response["Location"] == f"{QUARANTINE}?inbox=support"
    assert evil["Location"] == QUARANTINE


def test_quarantine_page_shows_a_failing_mail_source(inbox, manager):
    # given
    MailSourceFactory(
        inbox=inbox, username="support@amends.example", last_error="Login refused"
    )
    # when
    page = logged_in(manager).get(QUARANTINE).content.decode()
    # then
    assert "support@amends.example@127.0.0.1/INBOX" in page
    assert "Login refused" in page


# --- the admin -------------------------------------------------------------------


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("root", "root@x.example", "pw")


def test_admin_lists_inbound_mail_with_filters_and_decoded_headers(inbox, admin_user):
    # given
    row = quarantined(inbox)
    intake.email_ingest(inbox=inbox, raw=COMPLAINT, source=InboundEmail.Source.HTTP)
    # when
    page = (
        logged_in(admin_user)
        .get("/admin/tickets/inboundemail/?status=quarantined&has_error=yes")
        .content.decode()
    )
    # then
    assert "Beschädigte Lieferung" in page
    assert "No usable sender" in page
    assert "Order 4711" not in page
    assert f"/admin/tickets/inboundemail/{row.pk}/change/" in page


def test_admin_shows_one_inbound_email_read_only_with_its_raw_download(
    inbox, admin_user
):
    # given
    row = quarantined(inbox)
    client = logged_in(admin_user)
    # when
    page = client.get(f"/admin/tickets/inboundemail/{row.pk}/change/")
    raw = client.get(f"/admin/tickets/inboundemail/{row.pk}/raw/")
    # then
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert raw.content == NO_SENDER
    assert client.get("/admin/tickets/inboundemail/add/").status_code == 403


def test_admin_reprocess_action_processes_quarantined_mail_after_a_fix(
    inbox, admin_user, broken_parser
):
    # given
    row = quarantined(inbox, COMPLAINT)
    broken_parser.undo()
    # when
    logged_in(admin_user).post(
        "/admin/tickets/inboundemail/",
        {"action": "reprocess", "_selected_action": [row.pk]},
    )
    # then
    row.refresh_from_db()
    assert row.status == Status.PROCESSED
    assert Ticket.objects.count() == 1


def test_admin_download_action_gives_one_eml_or_a_zip_of_several(inbox, admin_user):
    # given
    first = quarantined(inbox)
    second = quarantined(inbox, NO_SENDER.replace(b"no-sender-1", b"no-sender-2"))
    client = logged_in(admin_user)
    # when
    one = client.post(
        "/admin/tickets/inboundemail/",
        {"action": "download_raw", "_selected_action": [first.pk]},
    )
    both = client.post(
        "/admin/tickets/inboundemail/",
        {"action": "download_raw", "_selected_action": [first.pk, second.pk]},
    )
    # then
    assert one.content == NO_SENDER
    archive = zipfile.ZipFile(io.BytesIO(b"".join(both.streaming_content)))
    assert archive.read(f"inbound-{second.pk}.eml") == bytes(
        InboundEmail.objects.get(pk=second.pk).raw
    )
    assert len(archive.namelist()) == 2
