"""Per-inbox settings of promises and follow-ups."""

from collections.abc import Iterable
from datetime import date, time, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from followups.models import InboxFollowupSettings, Promise
from followups.services._base import User, warn_at_for
from helpdesk.exceptions import DomainError
from tickets.models import Inbox

MAX_WINDOW_HOURS = 24 * 30


def clean_warning_windows(windows: Any) -> dict[str, dict]:
    """Validated windows: a known kind maps to {"hours": > 0, "working": bool}."""
    if not isinstance(windows, dict):
        raise DomainError(_("Warning windows map a kind of promise to a window."))
    cleaned = {}
    for kind, window in windows.items():
        if kind not in Promise.Kind.values:
            raise DomainError(_("Unknown kind of promise “%(kind)s”.") % {"kind": kind})
        hours = window.get("hours") if isinstance(window, dict) else None
        if (
            not isinstance(hours, int | float)
            or isinstance(hours, bool)
            or not 0 < hours <= MAX_WINDOW_HOURS
        ):
            raise DomainError(
                _("The window of “%(kind)s” needs hours between 0 and %(max)d.")
                % {"kind": kind, "max": MAX_WINDOW_HOURS}
            )
        cleaned[kind] = {"hours": hours, "working": bool(window.get("working", False))}
    return cleaned


def clean_business_hours(
    *, starts: time, ends: time, workdays: Iterable[int]
) -> list[int]:
    """The working days, sorted, once the day and week make sense."""
    days = sorted(set(workdays))
    if not days or not set(days) <= set(range(7)):
        raise DomainError(_("Choose at least one working day."))
    if ends <= starts:
        raise DomainError(_("The working day must end after it starts."))
    return days


@transaction.atomic
def inbox_settings_update(
    *,
    inbox: Inbox,
    actor: User | None,
    warning_windows: dict | None = None,
    satisfaction_delay: timedelta | None = None,
    check_back_delay: timedelta | None = None,
    update_reminder_lead: timedelta | None = None,
    work_starts: time | None = None,
    work_ends: time | None = None,
    workdays: Iterable[int] | None = None,
    holidays: Iterable[date] | None = None,
) -> InboxFollowupSettings:
    """Save the inbox's settings; running promises get new warning times."""
    config, _created = InboxFollowupSettings.objects.select_for_update().get_or_create(
        inbox=inbox
    )
    if work_starts is not None:
        config.work_starts = work_starts
    if work_ends is not None:
        config.work_ends = work_ends
    config.workdays = clean_business_hours(
        starts=config.work_starts,
        ends=config.work_ends,
        workdays=config.workdays if workdays is None else workdays,
    )
    if holidays is not None:
        config.holidays = sorted(set(holidays))
    if warning_windows is not None:
        config.warning_windows = {
            **config.warning_windows,
            **clean_warning_windows(warning_windows),
        }
    for name, value in (
        ("satisfaction_delay", satisfaction_delay),
        ("check_back_delay", check_back_delay),
        ("update_reminder_lead", update_reminder_lead),
    ):
        if value is not None:
            if value < timedelta(0):
                raise DomainError(_("Delays cannot be negative."))
            setattr(config, name, value)
    config.save()
    running = Promise.objects.select_for_update(of=("self",)).filter(
        ticket__inbox=inbox,
        state__in=(Promise.State.OPEN, Promise.State.RENEGOTIATED),
    )
    for promise in running.select_related("ticket__inbox"):
        # The halfway cap counts from when the current due time was set.
        promise.warn_at = warn_at_for(
            ticket=promise.ticket,
            kind=promise.kind,
            due_at=promise.due_at,
            created_at=promise.state_changed_at,
            config=config,
        )
        promise.save(update_fields=["warn_at"])
    return config
