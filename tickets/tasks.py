"""Thin Celery wrappers around the tickets services."""

from celery import shared_task

from helpdesk.celery import retried
from tickets.mail import imap, intake, outbound


@shared_task(name="tickets.outbound_send", acks_late=True)
def outbound_send_task(*, outbound_id: int) -> None:
    """Send one outbox row; safe to run more than once."""
    delay = outbound.outbound_send(outbound_id=outbound_id)
    if delay is not None:
        outbound_send_task.apply_async(
            kwargs={"outbound_id": outbound_id}, countdown=delay.total_seconds()
        )


@shared_task(name="tickets.outbound_sweep", acks_late=True)
def outbound_sweep_task() -> int:
    """Re-enqueue due outbox rows (safety net if a task message was lost)."""
    ids = outbound.outbound_due_ids()
    for outbound_id in ids:
        outbound_send_task.delay(outbound_id=outbound_id)
    return len(ids)


@shared_task(name="tickets.email_process", **retried())
def email_process_task(*, inbound_id: int) -> None:
    """Process one stored inbound email; safe to run more than once."""
    intake.email_process(inbound_id=inbound_id)


@shared_task(name="tickets.email_process_many", **retried())
def email_process_many_task(*, inbox_id: int, inbound_ids: list[int]) -> None:
    """Process stored emails of one inbox together; safe to run more than once."""
    intake.email_process_many(inbox_id=inbox_id, inbound_ids=inbound_ids)


@shared_task(name="tickets.email_sweep", acks_late=True)
def email_sweep_task() -> int:
    """Re-enqueue stored emails whose processing task was lost, one task
    per inbox."""
    pending = intake.inbound_pending_by_inbox()
    for inbox_id, inbound_ids in pending.items():
        email_process_many_task.delay(inbox_id=inbox_id, inbound_ids=inbound_ids)
    return sum(len(ids) for ids in pending.values())


@shared_task(name="tickets.imap_poll", acks_late=True)
def imap_poll_task(*, source_id: int) -> int:
    """Poll one mail source; a no-op while another poll of it runs. A poll
    that stopped at its bounds queues the next one at once."""
    result = imap.imap_poll(source_id=source_id)
    if result.more and result.taken and not result.error:
        imap_poll_task.delay(source_id=source_id)
    return result.stored


@shared_task(name="tickets.imap_poll_due", acks_late=True)
def imap_poll_due_task() -> int:
    """Queue one poll per enabled mail source whose interval has passed."""
    ids = imap.mail_source_due_ids()
    for source_id in ids:
        imap_poll_task.delay(source_id=source_id)
    return len(ids)
