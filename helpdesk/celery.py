"""Celery application: reads CELERY_-prefixed Django settings."""

import os

from celery import Celery
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

# A deadlock victim or a dropped database connection is worth another go.
DATABASE_OUTAGE = (OperationalError, InterfaceError)


def retried(*, on: tuple = DATABASE_OUTAGE, max_retries: int = 8) -> dict:
    """Task options: acknowledged once done, retried with backoff on `on`."""
    return {
        "acks_late": True,
        "autoretry_for": on,
        "retry_backoff": True,
        "max_retries": max_retries,
    }


app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
