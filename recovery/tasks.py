"""Thin Celery wrappers around the recovery notifications; each claims its
row first, so running twice sends once."""

from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task

from helpdesk.celery import retried
from recovery import selectors, services

SWEEP_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 200

RETRY = retried(on=(SMTPException, OSError), max_retries=5)


@shared_task(name="recovery.offer_notify_managers", **RETRY)
def offer_notify_managers_task(*, offer_id: int) -> int:
    """Email the inbox's managers about an offer waiting for approval."""
    return services.offer_notify_managers(offer_id=offer_id)


@shared_task(name="recovery.offer_notify_maker", **RETRY)
def offer_notify_maker_task(*, offer_id: int) -> int:
    """Email the maker of an offer the manager's decision."""
    return services.offer_notify_maker(offer_id=offer_id)


@shared_task(name="recovery.choice_notify_owner", **RETRY)
def choice_notify_owner_task(*, request_id: int) -> int:
    """Email the case owner the customer's choice."""
    return services.choice_notify_owner(request_id=request_id)


@shared_task(name="recovery.notify_sweep", acks_late=True)
def notify_sweep_task() -> int:
    """Re-enqueue notifications whose task was lost (each still sends once)."""
    backlog = selectors.notification_backlog(older_than=SWEEP_AFTER, limit=SWEEP_BATCH)
    for offer_id in backlog.offers_for_managers:
        offer_notify_managers_task.delay(offer_id=offer_id)
    for offer_id in backlog.offers_for_makers:
        offer_notify_maker_task.delay(offer_id=offer_id)
    for request_id in backlog.choices_for_owners:
        choice_notify_owner_task.delay(request_id=request_id)
    return (
        len(backlog.offers_for_managers)
        + len(backlog.offers_for_makers)
        + len(backlog.choices_for_owners)
    )
