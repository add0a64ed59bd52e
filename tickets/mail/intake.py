"""The one intake service behind IMAP, the ingest command and the HTTP
endpoint: store the raw bytes and commit, then process them once (loop
guard, threading, ticket created or appended). A message that cannot be
processed is quarantined with its error and its bytes; nothing is dropped.

Processing works on batches (tickets.mail.batch): a task processes one
stored email, the ingest command a chunk of them in one transaction."""

import contextlib
import copy
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import BinaryIO

import psycopg
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import BinaryField
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.exceptions import DomainError
from tickets.mail import loopguard, reading
from tickets.mail.batch import Batch, Item, Quarantine, quarantine
from tickets.mail.parse import content_hash, message_id_of, parse_email
from tickets.mail.rows import insertable_fields
from tickets.models import InboundEmail, Inbox

logger = logging.getLogger(__name__)

Status = InboundEmail.Status
Outcome = InboundEmail.Outcome
# A row still "received" after this long lost its task (e.g. Redis restarted).
STALE_RECEIVED = timedelta(minutes=2)
# The ingest command stores and processes this many emails per transaction.
CHUNK_MESSAGES = 100
CHUNK_BYTES = 8 * 1024 * 1024
# PostgreSQL's deadlock_detected and lock_not_available: retried one by one.
_LOCK_CONFLICTS = {"40P01", "55P03"}

__all__ = [
    "Quarantine",
    "email_ingest",
    "email_ingest_many",
    "email_process",
    "email_process_later",
    "email_process_many",
    "email_receive",
    "email_reprocess",
    "inbound_pending_by_inbox",
    "outcome_bucket",
]


# --- receive -----------------------------------------------------------------


def email_receive(
    *,
    inbox: Inbox,
    raw: bytes,
    source: str,
    received_at: datetime | None = None,
    enqueue: bool = False,
) -> InboundEmail:
    """Store the exact bytes and commit before anything else.

    The same message delivered again returns the stored row and creates
    nothing; `row.is_duplicate` tells which happened. With `enqueue`, a new
    row's processing task is queued once the bytes are committed."""
    key = {
        "inbox": inbox,
        "message_id": message_id_of(raw),
        "content_sha256": content_hash(raw),
    }
    try:
        with transaction.atomic():
            row = InboundEmail.objects.defer("raw").filter(**key).first()
            created = row is None
            if created:
                row = InboundEmail(
                    **key,
                    raw=raw,
                    source=source,
                    received_at=received_at or timezone.now(),
                )
                _insert_received([row])
                if enqueue:
                    from tickets.tasks import email_process_task

                    transaction.on_commit(
                        partial(email_process_task.delay, inbound_id=row.pk),
                        robust=True,
                    )
    except IntegrityError:
        # A concurrent delivery of the same message stored it a moment ago.
        row, created = InboundEmail.objects.defer("raw").get(**key), False
    row.is_duplicate = not created
    return row


def _receive_chunk(
    *, inbox: Inbox, raws: list[bytes], source: str
) -> list[tuple[InboundEmail, bool]]:
    """Store a chunk of emails in one commit: (row, stored before) per email,
    in order; an email repeated within the chunk is stored once."""
    keys = [(message_id_of(raw), content_hash(raw)) for raw in raws]
    try:
        with transaction.atomic():
            rows = {
                (row.message_id, row.content_sha256): row
                for row in InboundEmail.objects.defer("raw").filter(
                    inbox=inbox, message_id__in={message_id for message_id, _ in keys}
                )
            }
            known = set(rows)
            new = []
            for raw, (message_id, sha) in zip(raws, keys, strict=True):
                if (message_id, sha) not in rows:
                    rows[message_id, sha] = row = InboundEmail(
                        inbox=inbox,
                        message_id=message_id,
                        content_sha256=sha,
                        raw=raw,
                        source=source,
                        received_at=timezone.now(),
                    )
                    new.append(row)
            _insert_received(new)
    except IntegrityError:
        # Another delivery stored one of them meanwhile: one at a time.
        stored = [email_receive(inbox=inbox, raw=raw, source=source) for raw in raws]
        return [(row, row.is_duplicate) for row in stored]
    seen: set[tuple[str, str]] = set()
    result = []
    for key in keys:
        result.append((rows[key], key in known or key in seen))
        seen.add(key)
    return result


def _insert_received(rows: list[InboundEmail]) -> None:
    """INSERT the rows in one statement with the raw bytes as binary
    parameters: Django's client-side binding would send them as hex text,
    twice the bytes to send and to parse."""
    if not rows:
        return
    meta = InboundEmail._meta
    fields = insertable_fields(rows)
    if fields is None:
        InboundEmail.objects.bulk_create(rows)
        return
    fields = [f for f in fields if not f.primary_key]
    quote = connection.ops.quote_name
    row_sql = "({})".format(
        ", ".join("%b" if isinstance(f, BinaryField) else "%s" for f in fields)
    )
    # Identifiers come from the model's metadata; values travel as parameters.
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join([row_sql] * len(rows))
    statement = (
        f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608
        f"RETURNING {pk}"
    )
    params = [
        f.get_db_prep_save(f.pre_save(row, add=True), connection)
        for row in rows
        for f in fields
    ]
    connection.ensure_connection()
    with (
        connection.wrap_database_errors,
        psycopg.Cursor(connection.connection) as cursor,
    ):
        cursor.execute(statement, params, prepare=False)
        ids = cursor.fetchall()
    for row, (pk,) in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding = False
        row._state.db = connection.alias


# --- receive and process at once -------------------------------------------------


def email_ingest(*, inbox: Inbox, raw: bytes, source: str) -> InboundEmail:
    """Receive and process at once (command, benchmark). A stored copy that
    was never processed (a crash in between) is processed now."""
    return next(email_ingest_many(inbox=inbox, raws=[raw], source=source))


def email_ingest_many(
    *, inbox: Inbox, raws: Iterable[bytes], source: str
) -> Iterator[InboundEmail]:
    """email_ingest for a stream of emails, one row per email in order: each
    chunk's raw bytes are committed together, then processed together. From
    the second chunk on, a chunk is stored and parsed (in a worker process)
    while the one before it is decided and written."""
    reader = _Reader(max_attachment_bytes=inbox.max_attachment_bytes)
    previous: _Chunk | None = None
    try:
        for raws_of_chunk in _chunks(raws):
            chunk = _store_chunk(
                inbox=inbox, raws=raws_of_chunk, source=source, previous=previous
            )
            if previous is not None:
                reader.read(chunk)
                yield from _finish_chunk(previous, inbox=inbox, reader=reader)
            previous = chunk
        if previous is not None:
            yield from _finish_chunk(previous, inbox=inbox, reader=reader)
    finally:
        reader.close()


@dataclass
class _Chunk:
    """A stored chunk: (row, stored before) per email, and what to process."""

    received: list[tuple[InboundEmail, bool]]
    work: dict[int, bytes]
    # What the worker process read, in the order of `work`.
    read: list | None = None


def _store_chunk(
    *, inbox: Inbox, raws: list[bytes], source: str, previous: _Chunk | None
) -> _Chunk:
    received = _receive_chunk(inbox=inbox, raws=raws, source=source)
    in_flight = previous.work if previous is not None else {}
    work: dict[int, bytes] = {}
    for index, (raw, (row, _stored_before)) in enumerate(
        zip(raws, received, strict=True)
    ):
        if row.pk in in_flight:
            # Also in the chunk before, which is processed first: a repeat.
            received[index] = (row, True)
        elif row.status == Status.RECEIVED and row.pk not in work:
            # Stored before but never processed: the same bytes.
            work[row.pk] = raw
    return _Chunk(received, work)


def _finish_chunk(
    chunk: _Chunk, *, inbox: Inbox, reader: "_Reader"
) -> Iterator[InboundEmail]:
    answers = reader.result(chunk)
    read = dict(zip(chunk.work, answers, strict=True)) if answers else None
    done = {
        row.pk: row
        for row in _process(list(chunk.work.items()), inbox=inbox, read=read)
    }
    handed_out: set[int] = set()
    for row, stored_before in chunk.received:
        if row.pk in done and row.pk not in handed_out:
            handed_out.add(row.pk)
            row = done[row.pk]
            row.is_duplicate = False
        else:
            # A repeat: reported as a duplicate, as email_receive does.
            row = copy.copy(done.get(row.pk, row))
            row.is_duplicate = stored_before or row.pk in handed_out
        yield row


class _Reader:
    """Parses stored chunks in a worker process (python -m
    tickets.mail.reading), started only once a second chunk shows the
    stream is long enough to gain from it. A chunk's answer is collected
    before the next is sent, so neither side waits on a full pipe."""

    def __init__(self, *, max_attachment_bytes: int) -> None:
        self.max_attachment_bytes = max_attachment_bytes
        self.process: subprocess.Popen | None = None
        self.writer: threading.Thread | None = None
        self.pending: _Chunk | None = None
        self.broken = False

    def read(self, chunk: _Chunk) -> None:
        """Start reading this chunk elsewhere (or leave it to be read here)."""
        self._collect()
        if not chunk.work or self.broken:
            return
        try:
            if self.process is None:
                root = str(Path(__file__).resolve().parents[2])
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "tickets.mail.reading"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    cwd=root,
                    env={**os.environ, "PYTHONPATH": root},
                )
        except OSError:
            self._give_up()
            return
        # The worker may still be starting: a thread hands the bytes over, so
        # this process goes on with the chunk before.
        job = (list(chunk.work.values()), self.max_attachment_bytes)
        self.writer = threading.Thread(
            target=_hand_over, args=(self.process.stdin, job), daemon=True
        )
        self.writer.start()
        self.pending = chunk

    def result(self, chunk: _Chunk) -> list | None:
        """What the worker read for this chunk; None: read it here."""
        if chunk is self.pending:
            self._collect()
        return chunk.read

    def _collect(self) -> None:
        if self.pending is None:
            return
        chunk, self.pending = self.pending, None
        self.writer.join()
        try:
            chunk.read = reading.receive(self.process.stdout)
        except (OSError, EOFError, pickle.UnpicklingError):
            self._give_up()

    def _give_up(self) -> None:
        logger.exception("the parsing process failed; parsing in this one instead")
        self.broken, self.pending = True, None
        self.close()

    def close(self) -> None:
        if self.process is None:
            return
        if self.writer is not None:
            self.writer.join(timeout=30)
        process, self.process = self.process, None
        with contextlib.suppress(OSError):
            process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _hand_over(stream: BinaryIO, job: tuple) -> None:
    with contextlib.suppress(OSError, ValueError):
        # A failed hand-over shows as the end of the answers.
        reading.send(stream, job)


def _chunks(raws: Iterable[bytes]) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    size = 0
    for raw in raws:
        chunk.append(raw)
        size += len(raw)
        if len(chunk) >= CHUNK_MESSAGES or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def outcome_bucket(row: InboundEmail) -> str:
    """The summary count an ingested row belongs to."""
    if getattr(row, "is_duplicate", False) or row.status == Status.DUPLICATE:
        return "duplicates"
    if row.status == Status.QUARANTINED:
        return "quarantined"
    if row.status == Status.IGNORED:
        return "auto_ignored"
    if row.outcome == Outcome.REPLY_THREADED:
        return "replies_threaded"
    if row.status == Status.PROCESSED:
        return "tickets_created"
    return "received"


# --- process -----------------------------------------------------------------


def email_process(*, inbound_id: int) -> InboundEmail:
    """Act on one stored email exactly once; a failure quarantines it with its
    error. Calling it again for a handled row changes nothing."""
    return _process([(inbound_id, None)], inbox=None)[0]


def email_process_many(*, inbox_id: int, inbound_ids: list[int]) -> list[InboundEmail]:
    """email_process for stored emails of one inbox (a mailbox fetch), decided
    together in one transaction; should that fail, each is processed alone."""
    inbox = Inbox.objects.get(pk=inbox_id)
    return _process([(pk, None) for pk in inbound_ids], inbox=inbox)


def email_process_later(*, inbox: Inbox, inbound_ids: list[int]) -> None:
    """Queue one processing task for stored emails of the inbox. Should the
    queue be unreachable, the sweep finds them stored and queues them later."""
    if not inbound_ids:
        return
    from tickets.tasks import email_process_many_task

    try:
        email_process_many_task.delay(inbox_id=inbox.pk, inbound_ids=inbound_ids)
    except Exception:
        logger.exception("processing of %s stored emails not queued", len(inbound_ids))


def email_reprocess(*, inbound_id: int) -> InboundEmail:
    """Process a quarantined email again (after a fix); admins only."""
    with transaction.atomic():
        updated = InboundEmail.objects.filter(
            pk=inbound_id, status=Status.QUARANTINED
        ).update(status=Status.RECEIVED, error="")
        if not updated:
            raise DomainError(_("Only a quarantined email can be processed again."))
        return email_process(inbound_id=inbound_id)


def inbound_pending_by_inbox(*, limit: int = 500) -> dict[int, list[int]]:
    """Stored emails whose processing task seems lost, by inbox, oldest first."""
    rows = (
        InboundEmail.objects.filter(
            status=Status.RECEIVED, received_at__lt=timezone.now() - STALE_RECEIVED
        )
        .order_by("received_at", "pk")
        .values_list("inbox_id", "pk")[:limit]
    )
    pending: dict[int, list[int]] = {}
    for inbox_id, pk in rows:
        pending.setdefault(inbox_id, []).append(pk)
    return pending


def _process(
    work: list[tuple[int, bytes | None]],
    *,
    inbox: Inbox | None,
    read: dict[int, tuple] | None = None,
) -> list[InboundEmail]:
    """Process stored emails (raw bytes given, or read from the row) in one
    transaction. If that fails, each is processed alone; one that still fails
    is quarantined. A database outage is raised: nothing is decided."""
    if not work:
        return []
    try:
        with transaction.atomic():
            return _process_locked(work, inbox=inbox, read=read or {})
    except (OperationalError, InterfaceError) as exc:
        if len(work) == 1 or _sqlstate(exc) not in _LOCK_CONFLICTS:
            raise
    except Exception as exc:
        if len(work) == 1:
            return [_quarantine_alone(work[0][0], exc)]
    return [row for one in work for row in _process([one], inbox=inbox)]


def _process_locked(
    work: list[tuple[int, bytes | None]],
    *,
    inbox: Inbox | None,
    read: dict[int, tuple],
) -> list[InboundEmail]:
    """Lock the rows; parse and decide those still waiting, in order."""
    rows = InboundEmail.objects.select_for_update(of=("self",)).order_by("pk")
    if all(raw is not None for _pk, raw in work):
        rows = rows.defer("raw")
    if inbox is None:
        rows = rows.select_related("inbox")
    by_pk = {row.pk: row for row in rows.filter(pk__in=[pk for pk, _raw in work])}
    items = []
    for pk, raw in work:
        row = by_pk.get(pk)
        if row is None:
            raise InboundEmail.DoesNotExist(f"No stored email {pk}.")
        if inbox is not None:
            row.inbox = inbox
        if row.status != Status.RECEIVED:
            continue
        row.attempts += 1
        if pk in read:
            parsed, verdict, failure = read[pk]
            items.append(Item(row, parsed=parsed, verdict=verdict, failure=failure))
        else:
            items.append(_parsed(row, bytes(row.raw) if raw is None else raw))
    if items:
        Batch(items[0].row.inbox, items).run()
    return [by_pk[pk] for pk, _raw in work]


def _parsed(row: InboundEmail, raw: bytes) -> Item:
    """Parse and classify; a failure is kept for the quarantine."""
    try:
        parsed = parse_email(raw, max_attachment_bytes=row.inbox.max_attachment_bytes)
        verdict = loopguard.classify(parsed.mime)
    except Exception as exc:
        return Item(row, failure=exc)
    return Item(row, parsed=parsed, verdict=verdict)


def _quarantine_alone(inbound_id: int, exc: Exception) -> InboundEmail:
    """After its processing was rolled back: the row, quarantined."""
    with transaction.atomic():
        row = InboundEmail.objects.select_for_update(of=("self",)).get(pk=inbound_id)
        if row.status != Status.RECEIVED:
            return row
        row.attempts += 1
        quarantine(row, exc)
        row.processed_at = timezone.now()
        row.save(
            update_fields=[
                "status",
                "outcome",
                "error",
                "ticket",
                "result_message",
                "attempts",
                "processed_at",
            ]
        )
    return row


def _sqlstate(exc: Exception) -> str | None:
    return getattr(exc.__cause__, "sqlstate", None)
