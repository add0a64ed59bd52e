"""Thin Celery wrappers around the tickets services."""

from celery import shared_task

from tickets.mail import outbound


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
