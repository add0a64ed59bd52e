"""The due-work dispatcher: every follow-up fires exactly once, on time.

The database is the source of truth. `followup_dispatch` (run by beat every
minute, and again at once while the backlog lasts) claims due rows with
SELECT ... FOR UPDATE SKIP LOCKED in bounded batches and marks them claimed
in the same statement, so concurrent dispatchers take disjoint rows. It
hands the ids in chunks to `followup_fire`, which locks each row again,
re-checks that it is still scheduled and due, and fires it in one
transaction: a system email is written to the outbox (then sent by
`outbox_send_batch`, whose per-row claim prevents a double send), any other
follow-up becomes due with a reminder for its owner. A row whose worker died
keeps its claim until CLAIM_TIMEOUT and is then claimed again; firing twice
is impossible because the state moved on in the transaction that fired it.
"""

import contextlib
import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from functools import partial

from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils import timezone

from followups import mail
from followups.bulk import insert_rows
from followups.models import FollowUp, FollowUpEvent, Notification
from followups.services._base import responsible_user_ids, stamp
from helpdesk.notes import note_fields, system_note
from tickets import services as ticket_services
from tickets.mail.outbound import build_email, retry_delay
from tickets.models import Message, OutboundEmail, Ticket, TicketEvent

logger = logging.getLogger(__name__)

CLAIM_BATCH = 1000
FIRE_CHUNK = 200
# A claim older than this belongs to a worker that died: claim it again.
CLAIM_TIMEOUT = timedelta(minutes=5)
# Fired later than this after its due time, a follow-up is marked late.
LATE_AFTER = timedelta(minutes=2)
# Sent emails are recorded in groups this size; a worker dying mid-send
# leaves at most one group to be sent again (with the same Message-ID).
SEND_FLUSH = 50

State = FollowUp.State


def chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


# --- claim -------------------------------------------------------------------


def followup_claim_due(
    *, now: datetime | None = None, limit: int = CLAIM_BATCH
) -> list[int]:
    """Claim up to `limit` due follow-ups, oldest due first, skipping rows
    other transactions hold; a claim older than CLAIM_TIMEOUT is retaken."""
    now = now or timezone.now()
    table = connection.ops.quote_name(FollowUp._meta.db_table)
    # One statement: the claim and the mark commit together.
    sql = f"""
        UPDATE {table} SET claimed_at = %(now)s
        WHERE id IN (
            SELECT id FROM {table}
            WHERE state = %(scheduled)s AND due_at <= %(now)s
              AND (claimed_at IS NULL OR claimed_at < %(stale)s)
            ORDER BY due_at
            LIMIT %(limit)s
            FOR UPDATE SKIP LOCKED
        )
        RETURNING id
    """  # noqa: S608 - the table name comes from model metadata
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "now": now,
                "scheduled": State.SCHEDULED,
                "stale": now - CLAIM_TIMEOUT,
                "limit": limit,
            },
        )
        return sorted(row[0] for row in cursor.fetchall())


def followup_dispatch(*, now: datetime | None = None, limit: int = CLAIM_BATCH) -> int:
    """Claim a batch and hand it to fire tasks in chunks; a full batch
    queues the next round at once, so a backlog drains without waiting for
    beat. Returns how many rows were claimed."""
    from followups import tasks

    ids = followup_claim_due(now=now, limit=limit)
    for chunk in chunks(ids, FIRE_CHUNK):
        tasks.followup_fire_task.delay(followup_ids=chunk)
    if len(ids) >= limit:
        tasks.followup_dispatch_task.delay()
    return len(ids)


# --- fire --------------------------------------------------------------------


@transaction.atomic
def followup_fire(*, followup_ids: Iterable[int], now: datetime | None = None) -> int:
    """Fire each listed follow-up that is still scheduled and due; rows that
    another transaction holds are skipped (it fires them). Returns how many
    fired; their emails are sent after commit."""
    now = now or timezone.now()
    rows = list(
        FollowUp.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related(
            "ticket__inbox", "ticket__customer", "ticket__assignee", "owner"
        )
        .filter(pk__in=list(followup_ids), state=State.SCHEDULED)
        .order_by("pk")
    )
    fire = [f for f in rows if f.due_at <= now]
    not_due = [f.pk for f in rows if f.due_at > now]
    if not_due:
        # Rescheduled since the claim: free them for the dispatcher.
        FollowUp.objects.filter(pk__in=not_due).update(claimed_at=None)
    emails = [f for f in fire if f.is_sent_by_system]
    reminders = [f for f in fire if not f.is_sent_by_system]
    outbound_ids = _write_emails(emails, now=now)
    _write_reminders(reminders, now=now)
    if outbound_ids:
        from followups import tasks

        # robust: with the broker down the rows wait for the outbox sweep.
        transaction.on_commit(
            partial(tasks.outbox_send_batch_task.delay, outbound_ids=outbound_ids),
            robust=True,
        )
    return len(fire)


def _late_by(followup: FollowUp, now: datetime) -> timedelta | None:
    late = now - followup.due_at
    return late if late > LATE_AFTER else None


def _thread_headers(ticket_ids: list[int]) -> dict[int, tuple[str, str]]:
    """In-Reply-To and References per ticket in one query (the rule of
    tickets.services: the latest id, and the first plus the latest nine)."""
    ids: dict[int, list[str]] = defaultdict(list)
    rows = (
        Message.objects.filter(ticket_id__in=ticket_ids)
        .exclude(kind=Message.Kind.NOTE)
        .exclude(message_id="")
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "message_id")
    )
    for ticket_id, message_id in rows:
        ids[ticket_id].append(message_id)
    return {
        ticket_id: (
            found[-1],
            " ".join(found if len(found) <= 10 else [found[0], *found[-9:]]),
        )
        for ticket_id, found in ids.items()
    }


def _write_emails(followups: list[FollowUp], *, now: datetime) -> list[int]:
    """Outbox rows, events and the done state for system-sent follow-ups, in
    a handful of set-based statements whatever the batch size."""
    if not followups:
        return []
    headers = _thread_headers(sorted({f.ticket_id for f in followups}))
    messages = []
    for followup in followups:
        ticket: Ticket = followup.ticket
        in_reply_to, references = headers.get(ticket.pk, ("", ""))
        language = mail.customer_language(ticket)
        messages.append(
            {
                "ticket_id": ticket.pk,
                "kind": Message.Kind.REPLY,
                "from_address": ticket.inbox.email_address,
                "to_addresses": [ticket.customer.email],
                "subject": ticket_services.reply_subject(ticket),
                "body_text": mail.followup_email_body(followup, language=language),
                "message_id": ticket_services.new_message_id(),
                "in_reply_to": in_reply_to,
                "references": references,
                "created_at": now,
            }
        )
    message_ids = insert_rows(Message, messages)
    outbound_ids = insert_rows(
        OutboundEmail,
        [
            {"message_id": pk, "next_attempt_at": now, "created_at": now}
            for pk in message_ids
        ],
    )
    insert_rows(
        TicketEvent,
        [
            {
                "ticket_id": f.ticket_id,
                "kind": TicketEvent.Kind.REPLIED,
                "to_value": str(pk),
                **system_note("followup_sent", kind=f.kind),
                "created_at": now,
            }
            for f, pk in zip(followups, message_ids, strict=True)
        ],
    )
    events = []
    for followup in followups:
        late = _late_by(followup, now)
        events.append(
            {
                "followup_id": followup.pk,
                "from_state": State.SCHEDULED,
                "to_state": State.DUE,
                **_late_note(late),
                "created_at": now,
            }
        )
        events.append(
            {
                "followup_id": followup.pk,
                "from_state": State.DUE,
                "to_state": State.DONE,
                **system_note("sent_by_email"),
                "created_at": now,
            }
        )
    insert_rows(FollowUpEvent, events)
    _bulk_mark(followups, now=now, state=State.DONE, message_ids=message_ids)
    return outbound_ids


def _write_reminders(followups: list[FollowUp], *, now: datetime) -> None:
    """Due state, events and one reminder per follow-up for its owner (the
    assignee, else the inbox's managers)."""
    if not followups:
        return
    FollowUpEvent.objects.bulk_create(
        FollowUpEvent(
            followup=f,
            from_state=State.SCHEDULED,
            to_state=State.DUE,
            **_late_note(_late_by(f, now)),
            created_at=now,
        )
        for f in followups
    )
    _bulk_mark(followups, now=now, state=State.DUE, message_ids=None)
    by_inbox: dict[int, list[int]] = {}
    notifications = []
    for f in followups:
        if f.owner_id:
            recipients = [f.owner_id]
        else:
            recipients = by_inbox.get(f.ticket.inbox_id)
            if recipients is None:
                recipients = by_inbox[f.ticket.inbox_id] = responsible_user_ids(
                    f.ticket
                )
        notifications += [
            Notification(
                recipient_id=user_id,
                kind=Notification.Kind.FOLLOWUP_DUE,
                key=f"followup:{f.pk}:due:{stamp(f.due_at)}",
                ticket_id=f.ticket_id,
                followup=f,
                created_at=now,
            )
            for user_id in recipients
        ]
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)


def _bulk_mark(
    followups: list[FollowUp],
    *,
    now: datetime,
    state: str,
    message_ids: list[int] | None,
) -> None:
    """Set state, fired/done times, lateness and message of many rows in one
    statement (the rows are locked by the caller)."""
    table = connection.ops.quote_name(FollowUp._meta.db_table)
    done = state == State.DONE
    sql = f"""
        UPDATE {table} AS f
        SET state = %(state)s,
            fired_at = %(now)s,
            claimed_at = NULL,
            done_at = CASE WHEN %(done)s THEN %(now)s::timestamptz ELSE f.done_at END,
            late_by = v.late_by,
            message_id = COALESCE(v.message_id, f.message_id)
        FROM unnest(%(ids)s::bigint[], %(late)s::interval[], %(messages)s::bigint[])
            AS v(id, late_by, message_id)
        WHERE f.id = v.id
    """  # noqa: S608 - the table name comes from model metadata
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "state": state,
                "now": now,
                "done": done,
                "ids": [f.pk for f in followups],
                "late": [_late_by(f, now) for f in followups],
                "messages": message_ids or [None] * len(followups),
            },
        )
    for followup in followups:
        followup.state, followup.fired_at = state, now


def _late_note(late: timedelta | None) -> dict:
    """The note of a follow-up's due event: how late it fired, if at all."""
    return system_note("late_by", late=late) if late else note_fields("")


# --- send --------------------------------------------------------------------


def _claim_outbound(outbound_ids: list[int], now: datetime) -> list[int]:
    """queued -> sending for the listed rows that are due; a row another
    sender claimed first is left to it."""
    table = connection.ops.quote_name(OutboundEmail._meta.db_table)
    sql = f"""
        UPDATE {table}
        SET status = %(sending)s, claimed_at = %(now)s, attempts = attempts + 1
        WHERE id = ANY(%(ids)s) AND status = %(queued)s AND next_attempt_at <= %(now)s
        RETURNING id
    """  # noqa: S608 - the table name comes from model metadata
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "sending": OutboundEmail.Status.SENDING,
                "queued": OutboundEmail.Status.QUEUED,
                "now": now,
                "ids": list(outbound_ids),
            },
        )
        return sorted(row[0] for row in cursor.fetchall())


def outbox_send_batch(*, outbound_ids: Iterable[int]) -> int:
    """Send outbox rows over one mail connection. Each row is claimed first
    (queued -> sending), so a row is never sent by two workers; a row that
    fails goes back to the outbox's own per-row retry path. Returns how
    many were sent."""
    now = timezone.now()
    claimed = _claim_outbound(list(outbound_ids), now)
    if not claimed:
        return 0
    rows = list(
        OutboundEmail.objects.filter(pk__in=claimed)
        .select_related("message__ticket__inbox")
        .order_by("pk")
    )
    mailer = get_connection()
    sent: list[OutboundEmail] = []
    failed: list[tuple[OutboundEmail, Exception]] = []
    recorded = 0
    try:
        mailer.open()
        for row in rows:
            email = build_email(row.message)
            email.connection = mailer
            try:
                email.send(fail_silently=False)
            except (smtplib.SMTPException, OSError) as exc:
                failed.append((row, exc))
                mailer.close()
                mailer.open()
                continue
            sent.append(row)
            if len(sent) - recorded >= SEND_FLUSH:
                _record_sent(sent[recorded:])
                recorded = len(sent)
    except (smtplib.SMTPException, OSError) as exc:
        # The server is unreachable: everything not sent waits for a retry.
        done = {r.pk for r in sent} | {r.pk for r, _e in failed}
        failed += [(r, exc) for r in rows if r.pk not in done]
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            mailer.close()
    _record_sent(sent[recorded:])
    if failed:
        _hand_back(failed)
    return len(sent)


@transaction.atomic
def _record_sent(rows: list[OutboundEmail]) -> None:
    """Mark rows sent with a delivery event each, as the outbox does."""
    if not rows:
        return
    now = timezone.now()
    OutboundEmail.objects.filter(
        pk__in=[r.pk for r in rows], status=OutboundEmail.Status.SENDING
    ).update(status=OutboundEmail.Status.SENT, sent_at=now, last_error="")
    insert_rows(
        TicketEvent,
        [
            {
                "ticket_id": r.message.ticket_id,
                "kind": TicketEvent.Kind.DELIVERY,
                "to_value": OutboundEmail.Status.SENT,
                "note": f"{r.message.message_id} → {', '.join(r.message.to_addresses)}",
                "created_at": now,
            }
            for r in rows
        ],
    )


def _hand_back(failed: list[tuple[OutboundEmail, Exception]]) -> None:
    """Failed rows go back to the queue after the outbox's backoff and to
    its per-row task, which knows permanent from transient failures."""
    from tickets.tasks import outbound_send_task

    for row, exc in failed:
        delay = retry_delay(row.attempts)
        OutboundEmail.objects.filter(
            pk=row.pk, status=OutboundEmail.Status.SENDING
        ).update(
            status=OutboundEmail.Status.QUEUED,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + delay,
        )
        logger.warning("outbound %s will retry in %s: %s", row.pk, delay, exc)
        try:
            outbound_send_task.apply_async(
                kwargs={"outbound_id": row.pk}, countdown=delay.total_seconds()
            )
        except Exception:  # the outbox sweep finds the row anyway
            logger.warning("could not queue outbound %s; the sweep will", row.pk)
