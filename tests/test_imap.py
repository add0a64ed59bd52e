"""IMAP polling against a real Dovecot on loopback: messages are taken once,
dealt with on the server only after they are stored, UIDVALIDITY changes,
concurrent pollers, a database outage and a lost worker lose and duplicate
nothing. Plus the encrypted password, the beat fan-out, the cron command, the
admin's connection test, and a real Celery worker end to end."""

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from imapclient import IMAPClient
from rest_framework.test import APIClient

from tests.plugins.realparts import free_port
from tickets import services, tasks
from tickets.mail import crypto, imap, intake
from tickets.models import InboundEmail, MailSource, Message, Ticket
from tickets.tests.factories import InboxFactory, MailSourceFactory, MembershipFactory

MAIL_USER = "amendsmail"
PASSWORD = "imap-pass-123"
SEEN = b"\\Seen"


def _dovecot_binary() -> str | None:
    found = shutil.which("dovecot")
    if found:
        return found
    return "/usr/sbin/dovecot" if os.access("/usr/sbin/dovecot", os.X_OK) else None


# --- a private Dovecot ---------------------------------------------------------


@dataclass
class ImapServer:
    """A Dovecot on 127.0.0.1 that accepts any user name with PASSWORD; each
    user name is its own empty mailbox."""

    host: str
    port: int

    @staticmethod
    def new_mailbox() -> str:
        return f"box-{uuid.uuid4().hex[:12]}"

    @contextmanager
    def client(self, username: str) -> Iterator[IMAPClient]:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(username, PASSWORD)
        try:
            yield client
        finally:
            client.logout()

    def append(self, username: str, *messages: bytes, folder: str = "INBOX") -> None:
        with self.client(username) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in messages:
                client.append(folder, raw)

    def contents(self, username: str, folder: str = "INBOX") -> dict[str, set]:
        """Message-ID -> flags of the messages in a folder."""
        with self.client(username) as client:
            if not client.folder_exists(folder):
                return {}
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            if not uids:
                return {}
            found = client.fetch(
                uids, ["FLAGS", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]
            )
        return {
            data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"]
            .decode()
            .split(":", 1)[1]
            .strip(): set(data[b"FLAGS"])
            for data in found.values()
        }


def _users() -> dict[str, str]:
    """Who runs what: as root the recipe's system users, else ourselves."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(me.pw_gid).gr_name
        return {
            "login": me.pw_name,
            "internal": me.pw_name,
            "group": group,
            "mail": me.pw_name,
        }
    try:
        pwd.getpwnam(MAIL_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                MAIL_USER,
            ],
            check=True,
        )
    return {
        "login": "dovenull",
        "internal": "dovecot",
        "group": "dovecot",
        "mail": MAIL_USER,
    }


def _config(root: Path, port: int, users: dict[str, str]) -> str:
    mail = pwd.getpwnam(users["mail"])
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
default_login_user = {users["login"]}
default_internal_user = {users["internal"]}
default_internal_group = {users["group"]}
first_valid_uid = 1
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={mail.pw_uid} gid={mail.pw_gid} home={root}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def _wait_for_greeting(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    text = log.read_text() if log.exists() else "(no log)"
    pytest.fail(f"Dovecot did not start on port {port}:\n{text}")


@pytest.fixture(scope="module")
def imap_server() -> Iterator[ImapServer]:
    """Debian's Dovecot with a private config in a temporary folder, on a free
    loopback port; stopped after the module."""
    binary = _dovecot_binary()
    if binary is None:
        pytest.skip(
            "IMAP TESTS SKIPPED: the `dovecot` binary was not found. "
            "Install Debian's dovecot-imapd (make test-deps) to run them."
        )
    users = _users()
    root = Path(tempfile.mkdtemp(prefix="amends-dovecot-"))
    # The mail user and Dovecot's login processes must reach into the folder.
    root.chmod(0o755)
    (root / "mail").mkdir()
    mail = pwd.getpwnam(users["mail"])
    os.chown(root / "mail", mail.pw_uid, mail.pw_gid)
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(_config(root, port, users))
    proc = subprocess.Popen([binary, "-F", "-c", str(config)])
    try:
        _wait_for_greeting(port, proc, root / "dovecot.log")
        yield ImapServer("127.0.0.1", port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)


# --- helpers -------------------------------------------------------------------


def complaint(n: int, *, sender: str | None = None) -> bytes:
    """A customer's new complaint with a unique Message-ID."""
    message = EmailMessage()
    message["From"] = f"Customer {n} <{sender or f'customer{n}@mail.example'}>"
    message["To"] = "support@amends.example"
    message["Subject"] = f"Order {4700 + n} arrived broken"
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = f"<complaint-{n}-{uuid.uuid4().hex[:8]}@mail.example>"
    message.set_content(f"Hello, my order {4700 + n} arrived broken. Please help.")
    return message.as_bytes(policy=policy.SMTP)


def message_id(raw: bytes) -> str:
    line = next(x for x in raw.split(b"\r\n") if x.startswith(b"Message-ID:"))
    return line.split(b":", 1)[1].strip().decode()


@pytest.fixture
def inbox(transactional_db):
    return InboxFactory(
        name="Support",
        slug="support",
        email_address="support@amends.example",
        reference_prefix="SUP",
    )


@pytest.fixture
def mailbox(imap_server) -> str:
    return imap_server.new_mailbox()


@pytest.fixture
def source(inbox, imap_server, mailbox) -> MailSource:
    return MailSourceFactory(
        inbox=inbox,
        host=imap_server.host,
        port=imap_server.port,
        username=mailbox,
        secret=PASSWORD,
    )


def in_thread(target: Callable[[], object]) -> tuple[threading.Thread, dict]:
    """Run target in a thread with its own database connection."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = target()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


# --- taking messages once ------------------------------------------------------


def test_poll_takes_new_messages_and_opens_their_tickets(imap_server, source):
    # given two complaints in the mailbox
    raws = [complaint(1), complaint(2)]
    imap_server.append(source.username, *raws)
    # when
    result = imap.imap_poll(source_id=source.pk)
    # then
    assert (result.stored, result.duplicates, result.error) == (2, 0, "")
    rows = InboundEmail.objects.order_by("pk")
    assert [bytes(r.raw) for r in rows] == raws
    assert {r.source for r in rows} == {InboundEmail.Source.IMAP}
    assert {r.status for r in rows} == {InboundEmail.Status.PROCESSED}
    assert sorted(Ticket.objects.values_list("customer__email", flat=True)) == [
        "customer1@mail.example",
        "customer2@mail.example",
    ]
    source.refresh_from_db()
    assert source.last_uid == 2
    assert source.last_polled_at is not None
    assert source.last_success_at is not None


def test_second_poll_takes_nothing_new(imap_server, source):
    # given a mailbox that was polled
    imap_server.append(source.username, complaint(1), complaint(2))
    imap.imap_poll(source_id=source.pk)
    # when
    result = imap.imap_poll(source_id=source.pk)
    # then
    assert (result.stored, result.duplicates) == (0, 0)
    assert InboundEmail.objects.count() == 2
    assert Ticket.objects.count() == 2


def test_a_message_arriving_later_is_taken_by_the_next_poll(imap_server, source):
    # given
    imap_server.append(source.username, complaint(1))
    imap.imap_poll(source_id=source.pk)
    imap_server.append(source.username, complaint(2))
    # when
    result = imap.imap_poll(source_id=source.pk)
    # then
    assert result.stored == 1
    assert Ticket.objects.count() == 2


def test_taken_messages_are_flagged_seen_on_the_server(imap_server, source):
    # given
    raws = [complaint(1), complaint(2)]
    imap_server.append(source.username, *raws)
    # when
    imap.imap_poll(source_id=source.pk)
    # then they stay in the folder, read
    contents = imap_server.contents(source.username)
    assert {message_id(r) for r in raws} == set(contents)
    assert all(SEEN in flags for flags in contents.values())


def test_a_message_is_flagged_only_after_its_raw_bytes_are_committed(
    imap_server, source, monkeypatch
):
    # given a receive that looks at the server right after storing
    raw = complaint(1)
    imap_server.append(source.username, raw)
    observed = []
    real_receive = intake.email_receive

    def receive(**kwargs):
        row = real_receive(**kwargs)
        observed.append(
            (
                InboundEmail.objects.filter(pk=row.pk).exists(),
                imap_server.contents(source.username)[message_id(raw)],
            )
        )
        return row

    monkeypatch.setattr(intake, "email_receive", receive)
    # when
    imap.imap_poll(source_id=source.pk)
    # then: stored and committed while still unread, read afterwards
    assert observed == [(True, set())]
    assert SEEN in imap_server.contents(source.username)[message_id(raw)]


def test_move_after_import_moves_messages_to_the_folder(imap_server, source):
    # given
    source.after_import = MailSource.AfterImport.MOVE
    source.move_to_folder = "Imported"
    source.save()
    raws = [complaint(1), complaint(2)]
    imap_server.append(source.username, *raws)
    # when
    imap.imap_poll(source_id=source.pk)
    # then
    assert imap_server.contents(source.username) == {}
    assert set(imap_server.contents(source.username, "Imported")) == {
        message_id(r) for r in raws
    }
    assert Ticket.objects.count() == 2


def test_delete_after_import_removes_messages_from_the_server(imap_server, source):
    # given
    source.after_import = MailSource.AfterImport.DELETE
    source.save()
    imap_server.append(source.username, complaint(1), complaint(2))
    # when
    imap.imap_poll(source_id=source.pk)
    # then
    assert imap_server.contents(source.username) == {}
    assert InboundEmail.objects.count() == 2


def test_a_large_backlog_is_taken_in_bounded_batches_over_several_polls(
    imap_server, source, monkeypatch
):
    # given five messages and polls bounded to three, in batches of two
    monkeypatch.setattr(imap, "FETCH_BATCH", 2)
    monkeypatch.setattr(imap, "MAX_PER_POLL", 3)
    imap_server.append(source.username, *(complaint(n) for n in range(5)))
    # when
    first = imap.imap_poll(source_id=source.pk)
    second = imap.imap_poll(source_id=source.pk)
    # then
    assert (first.stored, first.more) == (3, True)
    assert (second.stored, second.more) == (2, False)
    assert Ticket.objects.count() == 5


def test_poll_task_keeps_going_until_the_backlog_is_taken(
    imap_server, source, monkeypatch
):
    # given
    monkeypatch.setattr(imap, "MAX_PER_POLL", 2)
    imap_server.append(source.username, *(complaint(n) for n in range(5)))
    # when (tasks run inline in tests)
    tasks.imap_poll_task.delay(source_id=source.pk)
    # then
    assert InboundEmail.objects.count() == 5


def test_uidvalidity_change_rescans_the_folder_without_duplicates(imap_server, source):
    # given a folder that was polled, then recreated (new UIDVALIDITY, UIDs
    # start at 1 again) holding a new message and an old one
    source.folder = "Support"
    source.save()
    old_1, old_2, new = complaint(1), complaint(2), complaint(3)
    imap_server.append(source.username, old_1, old_2, folder="Support")
    imap.imap_poll(source_id=source.pk)
    source.refresh_from_db()
    validity_before = source.uid_validity
    with imap_server.client(source.username) as client:
        client.delete_folder("Support")
        client.create_folder("Support")
    imap_server.append(source.username, new, old_1, folder="Support")
    # when
    result = imap.imap_poll(source_id=source.pk)
    # then the new message (UID 1, below the old last UID) is taken, the old
    # one is recognised
    assert (result.stored, result.duplicates) == (1, 1)
    source.refresh_from_db()
    assert source.uid_validity != validity_before
    assert source.last_uid == 2
    assert InboundEmail.objects.count() == 3
    assert Ticket.objects.count() == 3
    assert all(
        SEEN in flags
        for flags in imap_server.contents(source.username, "Support").values()
    )


# --- concurrency and faults ----------------------------------------------------


def test_second_poller_returns_at_once_while_the_first_holds_the_lock(
    imap_server, source, monkeypatch
):
    # given a first poller that is busy storing
    imap_server.append(source.username, complaint(1), complaint(2))
    storing, release = threading.Event(), threading.Event()
    real_receive = intake.email_receive

    def slow_receive(**kwargs):
        storing.set()
        release.wait(10)
        return real_receive(**kwargs)

    monkeypatch.setattr(intake, "email_receive", slow_receive)
    first, outcome = in_thread(lambda: imap.imap_poll(source_id=source.pk))
    assert storing.wait(10)
    # when a second poll starts meanwhile
    second = imap.imap_poll(source_id=source.pk)
    release.set()
    first.join(30)
    # then
    assert second.skipped == "locked"
    assert outcome["value"].stored == 2
    assert InboundEmail.objects.count() == 2


def test_two_pollers_at_once_take_every_message_exactly_once(imap_server, source):
    # given
    raws = [complaint(n) for n in range(8)]
    imap_server.append(source.username, *raws)
    start = threading.Barrier(2)

    def poll():
        start.wait(10)
        return imap.imap_poll(source_id=source.pk)

    # when two processes' worth of pollers start together
    threads = [in_thread(poll) for _ in range(2)]
    for thread, _ in threads:
        thread.join(60)
    # then
    results = [outcome["value"] for _, outcome in threads]
    assert sum(r.stored for r in results) == 8
    assert InboundEmail.objects.count() == 8
    assert Ticket.objects.count() == 8
    assert Message.objects.filter(kind=Message.Kind.INBOUND).count() == 8
    assert all(SEEN in f for f in imap_server.contents(source.username).values())


def test_database_outage_leaves_the_message_on_the_server_for_the_next_poll(
    imap_server, source, monkeypatch
):
    # given the database fails while the second message is being stored
    raws = [complaint(1), complaint(2), complaint(3)]
    imap_server.append(source.username, *raws)
    real_receive = intake.email_receive
    calls = []

    def flaky_receive(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real_receive(**kwargs)

    monkeypatch.setattr(intake, "email_receive", flaky_receive)
    # when
    result = imap.imap_poll(source_id=source.pk)
    # then only the stored message is flagged, and the outage is visible
    assert result.stored == 1
    assert "Database unavailable" in result.error
    flags = imap_server.contents(source.username)
    assert SEEN in flags[message_id(raws[0])]
    assert SEEN not in flags[message_id(raws[1])]
    assert SEEN not in flags[message_id(raws[2])]
    source.refresh_from_db()
    assert "Database unavailable" in source.last_error
    # when the database is back
    monkeypatch.undo()
    result = imap.imap_poll(source_id=source.pk)
    # then nothing is lost and nothing doubled
    assert (result.stored, result.error) == (2, "")
    assert sorted(bytes(r.raw) for r in InboundEmail.objects.all()) == sorted(raws)
    assert Ticket.objects.count() == 3
    assert all(SEEN in f for f in imap_server.contents(source.username).values())
    source.refresh_from_db()
    assert source.last_error == ""


def test_a_poll_has_what_it_fetched_decided_by_one_task(
    imap_server, source, monkeypatch
):
    # given three new complaints
    imap_server.append(source.username, complaint(1), complaint(2), complaint(3))
    queued = []
    monkeypatch.setattr(
        tasks.email_process_many_task, "delay", lambda **kw: queued.append(kw)
    )
    # when the mailbox is polled and the queued task runs, twice
    imap.imap_poll(source_id=source.pk)
    [job] = queued
    tasks.email_process_many_task(**job)
    tasks.email_process_many_task(**job)
    # then one task carried all three, each became one ticket
    assert (job["inbox_id"], len(job["inbound_ids"])) == (source.inbox_id, 3)
    assert Ticket.objects.count() == 3
    assert set(InboundEmail.objects.values_list("status", flat=True)) == {
        InboundEmail.Status.PROCESSED
    }


def test_worker_lost_between_storing_and_parsing_is_finished_by_the_sweep(
    imap_server, source, monkeypatch
):
    # given messages stored by a poll that could not queue their processing
    imap_server.append(source.username, complaint(1), complaint(2))

    def queue_unreachable(**kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.email_process_many_task, "delay", queue_unreachable)
    result = imap.imap_poll(source_id=source.pk)
    assert (result.stored, result.error) == (2, "")
    monkeypatch.undo()
    assert set(InboundEmail.objects.values_list("status", flat=True)) == {
        InboundEmail.Status.RECEIVED
    }
    assert Ticket.objects.count() == 0
    # the raw bytes were committed, so the server may forget them
    assert all(SEEN in f for f in imap_server.contents(source.username).values())
    InboundEmail.objects.update(received_at=F("received_at") - timedelta(minutes=5))
    # when the sweep runs, twice
    first = tasks.email_sweep_task()
    second = tasks.email_sweep_task()
    # then each message became exactly one ticket
    assert (first, second) == (2, 0)
    assert Ticket.objects.count() == 2
    assert set(InboundEmail.objects.values_list("status", flat=True)) == {
        InboundEmail.Status.PROCESSED
    }


# --- errors shown on the source ------------------------------------------------


def test_wrong_password_is_shown_on_the_source_until_a_poll_succeeds(
    imap_server, source
):
    # given
    source.set_secret("wrong-password")
    source.save()
    imap_server.append(source.username, complaint(1))
    # when
    result = imap.imap_poll(source_id=source.pk)
    # then
    source.refresh_from_db()
    assert "Login as" in result.error
    assert source.last_error == result.error
    assert source.last_error_at is not None
    assert InboundEmail.objects.count() == 0
    # when the password is corrected
    source.set_secret(PASSWORD)
    source.save()
    imap.imap_poll(source_id=source.pk)
    # then
    source.refresh_from_db()
    assert source.last_error == ""
    assert InboundEmail.objects.count() == 1


def test_unreachable_server_is_shown_on_the_source(inbox):
    # given nothing listens on the port
    source = MailSourceFactory(inbox=inbox, port=free_port())
    # when
    result = imap.imap_poll(source_id=source.pk)
    # then
    source.refresh_from_db()
    assert "refused" in source.last_error
    assert result.error == source.last_error


def test_missing_folder_is_shown_on_the_source(source):
    # given
    source.folder = "Nowhere"
    source.save()
    # when
    imap.imap_poll(source_id=source.pk)
    # then
    source.refresh_from_db()
    assert "Cannot open folder “Nowhere”" in source.last_error


def test_disabled_source_is_not_polled(imap_server, source):
    # given
    source.is_enabled = False
    source.save()
    imap_server.append(source.username, complaint(1))
    # when
    result = imap.imap_poll(source_id=source.pk)
    # then
    assert result.skipped == "disabled"
    assert InboundEmail.objects.count() == 0


def test_poll_refuses_to_run_inside_a_transaction(inbox):
    # given a caller's open transaction, whose commits would come too late
    source = MailSourceFactory(inbox=inbox)
    # when / then
    with transaction.atomic(), pytest.raises(RuntimeError, match="outside"):
        imap.imap_poll(source_id=source.pk)


# --- the password at rest --------------------------------------------------------


def test_password_is_stored_encrypted_and_never_in_the_clear(inbox):
    # given a source saved with its password
    source = MailSourceFactory(inbox=inbox, secret=PASSWORD)
    # when the row is read straight from the database
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t::text FROM tickets_mailsource t WHERE id = %s", [source.pk]
        )
        (row_text,) = cursor.fetchone()
    # then
    assert PASSWORD not in row_text
    assert source.secret_encrypted in row_text
    assert MailSource.objects.get(pk=source.pk).get_secret() == PASSWORD


def test_password_still_opens_after_mail_secret_key_is_introduced(inbox, settings):
    # given a password encrypted under a key derived from SECRET_KEY
    token = MailSourceFactory(inbox=inbox, secret=PASSWORD).secret_encrypted
    # when a dedicated MAIL_SECRET_KEY is configured
    settings.MAIL_SECRET_KEY = "a-separate-long-random-key"
    # then the old token still opens, and new ones use the new key
    assert crypto.decrypt(token) == PASSWORD
    fresh = crypto.encrypt(PASSWORD)
    settings.MAIL_SECRET_KEY = ""
    settings.SECRET_KEY = "another-secret-key"
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(fresh)


def test_password_unreadable_after_a_key_change_is_shown_on_the_source(inbox, settings):
    source = MailSourceFactory(inbox=inbox, secret=PASSWORD)
    # given the key changed without a fallback
    settings.SECRET_KEY = "a-completely-different-key"
    # when
    imap.imap_poll(source_id=source.pk)
    # then
    source.refresh_from_db()
    assert "cannot be decrypted" in source.last_error


# --- scheduling, the command and the admin --------------------------------------


def test_beat_queues_one_poll_per_due_enabled_source(inbox, monkeypatch):
    # given
    now = timezone.now()
    never = MailSourceFactory(inbox=inbox)
    long_ago = MailSourceFactory(inbox=inbox, last_polled_at=now - timedelta(minutes=2))
    just_now = MailSourceFactory(
        inbox=inbox, last_polled_at=now - timedelta(seconds=20)
    )
    # a poll a moment less than a minute ago still counts as due
    almost = MailSourceFactory(inbox=inbox, last_polled_at=now - timedelta(seconds=58))
    slow = MailSourceFactory(
        inbox=inbox,
        poll_interval=timedelta(minutes=15),
        last_polled_at=now - timedelta(minutes=5),
    )
    disabled = MailSourceFactory(inbox=inbox, is_enabled=False)
    queued = []
    monkeypatch.setattr(
        tasks.imap_poll_task, "delay", lambda **kwargs: queued.append(kwargs)
    )
    # when
    count = tasks.imap_poll_due_task()
    # then
    expected = sorted([never.pk, long_ago.pk, almost.pk])
    assert sorted(q["source_id"] for q in queued) == expected
    assert count == 3
    assert {just_now.pk, slow.pk, disabled.pk}.isdisjoint(expected)


def test_beat_schedule_polls_due_sources_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["imap-poll-due"]
    assert entry["task"] == tasks.imap_poll_due_task.name == "tickets.imap_poll_due"
    assert entry["schedule"] == timedelta(minutes=1)


def test_poll_imap_command_polls_every_enabled_source(imap_server, source, capsys):
    # given
    imap_server.append(source.username, complaint(1), complaint(2))
    # when
    call_command("poll_imap")
    # then
    assert f"{source.pk} {source} → support: 2 new, 0 already stored." in (
        capsys.readouterr().out
    )
    assert Ticket.objects.count() == 2


def test_poll_imap_command_fails_for_cron_when_a_source_fails(source, capsys):
    # given
    source.set_secret("wrong-password")
    source.save()
    # when / then
    with pytest.raises(CommandError, match="1 of 1 mail sources failed"):
        call_command("poll_imap", "--source", str(source.pk))
    assert "Login as" in capsys.readouterr().err


def test_poll_imap_command_names_the_known_sources_for_a_wrong_id(inbox):
    source = MailSourceFactory(inbox=inbox)
    with pytest.raises(CommandError, match=f"known sources: {source.pk}"):
        call_command("poll_imap", "--source", "999999")


@pytest.fixture
def admin_client_logged_in(client, transactional_db):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@x.example", "pw")
    client.force_login(admin)
    return client


def test_admin_test_connection_reports_what_it_found(
    imap_server, source, admin_client_logged_in
):
    # given
    imap_server.append(source.username, complaint(1), complaint(2))
    # when
    response = admin_client_logged_in.post(
        "/admin/tickets/mailsource/",
        {"action": "test_connection", "_selected_action": [source.pk]},
    )
    # then nothing is imported, and the admin learns what is there
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert notes == [f"Connected to {source}: 2 messages in the folder."]
    assert InboundEmail.objects.count() == 0


def test_admin_test_connection_reports_a_refused_login(source, admin_client_logged_in):
    # given
    source.set_secret("wrong-password")
    source.save()
    # when
    response = admin_client_logged_in.post(
        "/admin/tickets/mailsource/",
        {"action": "test_connection", "_selected_action": [source.pk]},
    )
    # then
    [note] = get_messages(response.wsgi_request)
    assert note.level_tag == "error"
    assert "Login as" in str(note)


def test_admin_stores_the_password_encrypted_and_never_shows_it(
    inbox, admin_client_logged_in
):
    # given
    form = {
        "inbox": inbox.pk,
        "is_enabled": "on",
        "host": "imap.example.com",
        "port": 993,
        "tls_mode": "ssl",
        "username": "support@example.com",
        "secret": "s3cret-imap-password",
        "folder": "INBOX",
        "poll_interval": "00:05:00",
        "after_import": "seen",
        "move_to_folder": "",
    }
    # when
    response = admin_client_logged_in.post("/admin/tickets/mailsource/add/", form)
    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    source = MailSource.objects.get()
    assert source.get_secret() == "s3cret-imap-password"
    assert "s3cret" not in source.secret_encrypted
    page = admin_client_logged_in.get(
        f"/admin/tickets/mailsource/{source.pk}/change/"
    ).content.decode()
    assert "s3cret-imap-password" not in page
    assert source.secret_encrypted not in page
    assert "stored, encrypted" in page


def test_admin_keeps_the_password_when_left_empty_and_resets_uids_on_a_new_folder(
    source, admin_client_logged_in
):
    # given a source that has taken messages
    MailSource.objects.filter(pk=source.pk).update(uid_validity=77, last_uid=40)
    form = {
        "inbox": source.inbox_id,
        "is_enabled": "on",
        "host": source.host,
        "port": source.port,
        "tls_mode": source.tls_mode,
        "username": source.username,
        "secret": "",
        "folder": "Support",
        "poll_interval": "00:01:00",
        "after_import": "seen",
        "move_to_folder": "",
    }
    # when the folder changes and the password field stays empty
    response = admin_client_logged_in.post(
        f"/admin/tickets/mailsource/{source.pk}/change/", form
    )
    # then
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.get_secret() == PASSWORD
    assert (source.uid_validity, source.last_uid) == (None, 0)


# --- a real worker, end to end -------------------------------------------------


@pytest.mark.worker
def test_mail_in_ticket_acknowledged_reply_out_and_customer_reply_threads_back(
    imap_server, source, celery_worker_process, smtp_server
):
    # given a complaint in the polled mailbox
    agent = MembershipFactory(inbox=source.inbox).user
    first = complaint(7, sender="ella@example.com")
    imap_server.append(source.username, first)
    # when it is polled (the worker parses it)
    assert imap.imap_poll(source_id=source.pk).stored == 1
    # then a ticket opens and the acknowledgement reaches the customer
    assert wait_until(lambda: Ticket.objects.exists()), "the worker made a ticket"
    ticket = Ticket.objects.get()
    [ack] = smtp_server.wait_for(1)
    assert ack["To"] == "ella@example.com"
    assert ack["In-Reply-To"] == message_id(first)
    assert ack["Auto-Submitted"] == "auto-replied"
    assert f"[{ticket.reference}]" in ack["Subject"]
    # when an agent replies
    services.ticket_reply(
        ticket=ticket, actor=agent, body_text="A new one is on its way."
    )
    messages = smtp_server.wait_for(2)
    assert len(messages) == 2, "the reply was delivered"
    reply = messages[1]
    # and the customer answers that reply through the provider webhook
    answer = EmailMessage()
    answer["From"] = "Ella <ella@example.com>"
    answer["To"] = reply["Reply-To"]
    answer["Subject"] = f"Re: {reply['Subject']}"
    answer["Message-ID"] = f"<answer-{uuid.uuid4().hex[:8]}@example.com>"
    answer["In-Reply-To"] = reply["Message-ID"]
    answer["References"] = f"{message_id(first)} {reply['Message-ID']}"
    answer.set_content("Thank you, it arrived today.\n\n> A new one is on its way.")
    response = APIClient().post(
        f"/api/v1/inboxes/{source.inbox.slug}/inbound/",
        answer.as_bytes(policy=policy.SMTP),
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {source.inbox.inbound_secret}",
    )
    assert response.status_code == 202
    # then the worker threads it onto the same ticket
    assert wait_until(
        lambda: InboundEmail.objects.filter(
            outcome=InboundEmail.Outcome.REPLY_THREADED
        ).exists()
    ), "the worker threaded the answer"
    assert Ticket.objects.count() == 1
    inbound = ticket.messages.filter(kind=Message.Kind.INBOUND).order_by("pk")
    assert [m.message_id for m in inbound] == [message_id(first), answer["Message-ID"]]
    assert inbound.last().body_text.startswith("Thank you, it arrived today.")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
