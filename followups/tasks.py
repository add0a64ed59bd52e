"""Thin Celery wrappers around the followups services and dispatcher."""

from celery import shared_task

from followups import dispatcher
from followups.services import notifications, promises
from helpdesk.celery import retried


@shared_task(name="followups.followup_dispatch", acks_late=True)
def followup_dispatch_task() -> int:
    """Claim due follow-ups and hand them to fire tasks; safe to run anywhere."""
    return dispatcher.followup_dispatch()


@shared_task(
    name="followups.followup_fire",
    **retried(max_retries=8),
)
def followup_fire_task(*, followup_ids: list[int]) -> int:
    """Fire the listed follow-ups that are still due; safe to run more than once."""
    return dispatcher.followup_fire(followup_ids=followup_ids)


@shared_task(name="followups.outbox_send_batch", acks_late=True)
def outbox_send_batch_task(*, outbound_ids: list[int]) -> int:
    """Send the listed outbox rows; each is claimed first, so reruns send nothing."""
    return dispatcher.outbox_send_batch(outbound_ids=outbound_ids)


@shared_task(
    name="followups.promise_scan",
    **retried(max_retries=5),
)
def promise_scan_task() -> dict:
    """Mark promises at risk and broken; a full batch runs again at once."""
    counts = promises.promise_scan()
    if max(counts.values()) >= promises.SCAN_BATCH:
        promise_scan_task.delay()
    return counts


@shared_task(name="followups.notification_digest", acks_late=True)
def notification_digest_task() -> int:
    """Email each colleague a digest of their unread reminders."""
    return notifications.notification_digest_send()
