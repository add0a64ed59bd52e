"""IMAP polling: each mail source's folder is read into the one intake service.

Each message is taken once: the source remembers the folder's UIDVALIDITY and
the highest UID taken, and starts over when UIDVALIDITY changes (the intake
recognises copies it already holds). A message is flagged, moved or deleted on
the server only after its raw bytes are committed, so a crash or a database
outage in between loses nothing: the next poll takes the message again. One
poll per source runs at a time, guarded by a PostgreSQL advisory lock."""

import logging
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from tickets.mail import intake
from tickets.mail.crypto import SecretUnreadable
from tickets.models import InboundEmail, MailSource

logger = logging.getLogger(__name__)

# Bounds of one poll, so memory stays flat and a task ends in time; what is
# left waits for the next poll.
FETCH_BATCH = 25
FETCH_BATCH_BYTES = 25 * 1024 * 1024
MAX_PER_POLL = 500
POLL_TIME_BUDGET = timedelta(minutes=2)
TIMEOUT_SECONDS = 30
# A poll recorded this much before its interval is up still counts as due, so
# a one-minute beat does not skip every other turn by a few milliseconds.
POLL_SLACK = timedelta(seconds=10)
# First key of the two-part advisory lock: "MAIL"; the second is the source id.
LOCK_NAMESPACE = 0x4D41494C
SEEN = b"\\Seen"


class MailSourceError(Exception):
    """The mailbox could not be read; the text says why, for people."""


@dataclass
class PollResult:
    source_id: int
    # Why nothing was done: "locked" (another poll runs), "disabled", "missing".
    skipped: str = ""
    stored: int = 0
    duplicates: int = 0
    error: str = ""
    # Stopped at a bound with messages left for the next poll.
    more: bool = False

    @property
    def taken(self) -> int:
        return self.stored + self.duplicates


# --- scheduling ----------------------------------------------------------------


def mail_source_due_ids(*, now: datetime | None = None) -> list[int]:
    """Enabled sources whose poll interval has passed since their last poll."""
    now = now or timezone.now()
    return list(
        MailSource.objects.filter(is_enabled=True)
        .filter(
            Q(last_polled_at__isnull=True)
            | Q(last_polled_at__lte=now - F("poll_interval") + POLL_SLACK)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- polling -------------------------------------------------------------------


def imap_poll(*, source_id: int) -> PollResult:
    """Take the new messages of one source once; returns at once while another
    poll of it runs. Call outside a transaction: each message commits alone."""
    if connection.in_atomic_block:
        # Flagging on the server is only safe once each message is committed.
        raise RuntimeError(
            "imap_poll commits message by message; call it outside a transaction."
        )
    result = PollResult(source_id=source_id)
    with _source_lock(source_id) as locked:
        if not locked:
            result.skipped = "locked"
            return result
        source = MailSource.objects.select_related("inbox").filter(pk=source_id).first()
        if source is None or not source.is_enabled:
            result.skipped = "missing" if source is None else "disabled"
            return result
        started = timezone.now()
        MailSource.objects.filter(pk=source_id).update(last_polled_at=started)
        try:
            with connect(source) as client:
                _take_new(client, source, result, deadline=started + POLL_TIME_BUDGET)
        except (OperationalError, InterfaceError) as exc:
            result.error = _("Database unavailable: %(error)s") % {"error": exc}
        except Exception as exc:
            result.error = describe_error(exc, source)
            if not isinstance(exc, MailSourceError | SecretUnreadable | OSError):
                logger.exception("polling mail source %s failed", source_id)
        _record_outcome(source_id, result)
    if result.error:
        logger.warning("mail source %s: %s", source_id, result.error)
    return result


def _take_new(
    client: IMAPClient, source: MailSource, result: PollResult, *, deadline: datetime
) -> None:
    """Receive every message above the last UID taken, batch by batch; the
    UID state moves only past messages that are stored and dealt with."""
    try:
        info = client.select_folder(source.folder)
    except IMAPClientError as exc:
        raise MailSourceError(
            _("Cannot open folder “%(folder)s”: %(error)s")
            % {"folder": source.folder, "error": _server_text(exc)}
        ) from exc
    validity = int(info[b"UIDVALIDITY"])
    if source.uid_validity != validity:
        # UIDs of the old numbering mean nothing now: take the folder from the
        # start. Messages already stored come back as duplicates and are only
        # flagged or moved again.
        if source.uid_validity is not None:
            logger.warning(
                "mail source %s: UIDVALIDITY changed from %s to %s; rescanning",
                source.pk,
                source.uid_validity,
                validity,
            )
        source.uid_validity, source.last_uid = validity, 0
        _save_uid_state(source)
    # "N:*" always matches the highest UID, even one below N.
    uids = sorted(
        uid
        for uid in client.search(["UID", f"{source.last_uid + 1}:*"])
        if uid > source.last_uid
    )
    if len(uids) > MAX_PER_POLL:
        uids, result.more = uids[:MAX_PER_POLL], True
    if not uids:
        return
    if source.after_import == MailSource.AfterImport.MOVE:
        _ensure_folder(client, source.move_to_folder)
    sizes = {
        uid: int(data.get(b"RFC822.SIZE", 0))
        for uid, data in client.fetch(uids, ["RFC822.SIZE"]).items()
    }
    for batch in _batches(uids, sizes):
        if timezone.now() > deadline:
            result.more = True
            return
        _take_batch(client, source, batch, result)


def _take_batch(
    client: IMAPClient, source: MailSource, batch: list[int], result: PollResult
) -> None:
    fetched = client.fetch(batch, ["BODY.PEEK[]"])
    taken: list[int] = []
    stored: list[int] = []
    done_up_to = source.last_uid
    failure: Exception | None = None
    for uid in batch:
        data = fetched.get(uid)
        if data is None:
            # Expunged by someone else since the search: nothing left to take.
            done_up_to = uid
            continue
        raw = data.get(b"BODY[]")
        if raw is None:
            failure = MailSourceError(
                _("The server sent no content for message UID %(uid)s.") % {"uid": uid}
            )
            break
        try:
            row = intake.email_receive(
                inbox=source.inbox,
                raw=bytes(raw),
                source=InboundEmail.Source.IMAP,
            )
        except (OperationalError, InterfaceError) as exc:
            # Not stored, so not flagged: the next poll takes it again.
            failure = exc
            break
        if row.is_duplicate:
            result.duplicates += 1
        else:
            result.stored += 1
            stored.append(row.pk)
        taken.append(uid)
        done_up_to = uid
    # One task decides the whole fetch: threads and promises set-wise.
    intake.email_process_later(inbox=source.inbox, inbound_ids=stored)
    if taken:
        _after_import(client, source, taken)
    if done_up_to != source.last_uid:
        source.last_uid = done_up_to
        _save_uid_state(source)
    if failure is not None:
        raise failure


def _after_import(client: IMAPClient, source: MailSource, uids: list[int]) -> None:
    """Flag, move or delete messages whose raw bytes are committed."""
    action = source.after_import
    if action == MailSource.AfterImport.SEEN:
        client.add_flags(uids, [SEEN], silent=True)
    elif action == MailSource.AfterImport.MOVE:
        if client.has_capability("MOVE"):
            client.move(uids, source.move_to_folder)
        else:
            client.copy(uids, source.move_to_folder)
            _delete(client, uids)
    else:
        _delete(client, uids)


def _delete(client: IMAPClient, uids: list[int]) -> None:
    client.delete_messages(uids, silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        # Without UIDPLUS, EXPUNGE also removes what others marked \Deleted.
        client.expunge()


def _ensure_folder(client: IMAPClient, folder: str) -> None:
    if not client.folder_exists(folder):
        client.create_folder(folder)


def _batches(uids: list[int], sizes: dict[int, int]) -> Iterator[list[int]]:
    """Consecutive runs of UIDs bounded in count and in bytes (a message
    larger than the byte bound travels alone)."""
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if batch and (len(batch) >= FETCH_BATCH or total + size > FETCH_BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


def _save_uid_state(source: MailSource) -> None:
    # update(), not save(): an admin may be editing other fields meanwhile.
    MailSource.objects.filter(pk=source.pk).update(
        uid_validity=source.uid_validity, last_uid=source.last_uid
    )


def _record_outcome(source_id: int, result: PollResult) -> None:
    """Show the poll's error (or its success) on the source."""
    now = timezone.now()
    if result.error:
        fields = {"last_error": result.error[:4000], "last_error_at": now}
    else:
        fields = {"last_error": "", "last_success_at": now}
    try:
        MailSource.objects.filter(pk=source_id).update(**fields)
    except DatabaseError:
        logger.warning("could not record the poll of mail source %s", source_id)


@contextmanager
def _source_lock(source_id: int) -> Iterator[bool]:
    """A session-level advisory lock on the source, held across the commits
    of a poll (a transaction-level lock would hold back those commits). A
    lost connection takes the lock with it, so it never outlives its poller."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, source_id]
        )
        locked = bool(cursor.fetchone()[0])
    try:
        yield locked
    finally:
        if locked:
            try:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, source_id]
                    )
            except DatabaseError:
                # Only a dead session fails here, and its locks died with it.
                connection.close()


# --- connecting ----------------------------------------------------------------


@contextmanager
def connect(source: MailSource) -> Iterator[IMAPClient]:
    """A logged-in client for the source, logged out afterwards."""
    secret = source.get_secret()
    context = ssl.create_default_context()
    use_ssl = source.tls_mode == MailSource.TlsMode.SSL
    try:
        client = IMAPClient(
            source.host,
            port=source.port,
            ssl=use_ssl,
            ssl_context=context if use_ssl else None,
            timeout=TIMEOUT_SECONDS,
        )
    except (OSError, IMAPClientError) as exc:
        raise MailSourceError(describe_error(exc, source)) from exc
    try:
        try:
            if source.tls_mode == MailSource.TlsMode.STARTTLS:
                client.starttls(context)
            client.login(source.username, secret)
        except (OSError, IMAPClientError) as exc:
            raise MailSourceError(describe_error(exc, source)) from exc
        yield client
    finally:
        with suppress(Exception):
            client.logout()


def mail_source_test(*, source: MailSource) -> str:
    """Connect, log in and open the folder read-only; a line saying what was
    found. Raises MailSourceError (or SecretUnreadable) with the reason."""
    with connect(source) as client:
        try:
            info = client.select_folder(source.folder, readonly=True)
        except IMAPClientError as exc:
            raise MailSourceError(
                _("Cannot open folder “%(folder)s”: %(error)s")
                % {"folder": source.folder, "error": _server_text(exc)}
            ) from exc
        note = _("Connected to %(source)s: %(count)s messages in the folder.") % {
            "source": source,
            "count": int(info.get(b"EXISTS", 0)),
        }
        if source.after_import == MailSource.AfterImport.MOVE and not (
            client.folder_exists(source.move_to_folder)
        ):
            note += " " + _("The folder “%(folder)s” will be created.") % {
                "folder": source.move_to_folder
            }
        return note


def describe_error(exc: BaseException, source: MailSource) -> str:
    """The reason a poll failed, in words an administrator can act on."""
    where = f"{source.host}:{source.port}"
    if isinstance(exc, MailSourceError | SecretUnreadable):
        return str(exc)
    if isinstance(exc, LoginError):
        return _("Login as %(user)s refused by the server: %(error)s") % {
            "user": source.username,
            "error": _server_text(exc),
        }
    if isinstance(exc, socket.gaierror):
        return _("Unknown server name %(host)s.") % {"host": source.host}
    if isinstance(exc, ConnectionRefusedError):
        return _("Connection to %(where)s refused.") % {"where": where}
    if isinstance(exc, TimeoutError | socket.timeout):
        return _("No answer from %(where)s within %(seconds)s seconds.") % {
            "where": where,
            "seconds": TIMEOUT_SECONDS,
        }
    if isinstance(exc, ssl.SSLError):
        return _("TLS with %(where)s failed: %(error)s") % {
            "where": where,
            "error": exc.reason or exc,
        }
    if isinstance(exc, IMAPClientError):
        return _("The server %(where)s answered: %(error)s") % {
            "where": where,
            "error": _server_text(exc),
        }
    if isinstance(exc, OSError):
        return _("Connection to %(where)s failed: %(error)s") % {
            "where": where,
            "error": exc.strerror or exc,
        }
    return f"{type(exc).__name__}: {exc}"


def _server_text(exc: BaseException) -> str:
    text = str(exc)
    # imaplib wraps server replies as "b'...'".
    if text.startswith(("b'", 'b"')) and text.endswith(text[1]):
        text = text[2:-1]
    return text
