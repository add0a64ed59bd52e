"""What the ticket page's promises and follow-ups panel and the follow-up
lists show, with forms whose ids are unique on the page."""

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _

from followups import forms, mail, selectors
from followups.models import FollowUp, Promise
from tickets.models import Ticket


def _recovery_offer(ticket: Ticket, promise: Promise, *, prefix: str):
    """The recovery app's open-case form preset to "broken promise", or None
    when the ticket already has a running case."""
    try:
        from recovery.forms import OpenCaseForm
        from recovery.models import FailureType, RecoveryCase
    except ImportError:  # pragma: no cover - recovery is part of the project
        return None
    if ticket.recovery_cases.exclude(status=RecoveryCase.Status.CLOSED).exists():
        return None
    summary = _("Promise broken: %(what)s (due %(due)s).") % {
        "what": promise.what,
        "due": timezone.localtime(promise.due_at).strftime("%Y-%m-%d %H:%M"),
    }
    return OpenCaseForm(
        ticket=ticket,
        auto_id=f"{prefix}-%s",
        initial={"failure_type": FailureType.BROKEN_PROMISE, "summary": summary},
    )


def panel_context(*, user: AbstractBaseUser, ticket: Ticket) -> dict:
    """Everything the promises and follow-ups panel of a ticket shows (its
    forms for new ones load when opened)."""
    promises = selectors.promise_list_for_ticket(ticket=ticket)
    for promise in promises:
        promise.ticket = ticket
        if promise.is_active:
            promise.notice_preview = mail.delay_notice(
                promise=promise, actor=user, new_due_at=None, explanation=""
            )
            promise.delay_form = forms.DelayNoticeForm(
                auto_id=f"id_delay{promise.pk}_%s"
            )
        elif promise.state == Promise.State.BROKEN and ticket.status != "closed":
            promise.recovery_form = _recovery_offer(
                ticket, promise, prefix=f"bp{promise.pk}"
            )
    followups = selectors.followup_list_for_ticket(ticket=ticket)
    for followup in followups:
        followup.ticket = ticket
        with_row_forms(followup)
    return {
        "ticket": ticket,
        "user": user,
        "promises": promises,
        "followups": followups,
    }


def with_row_forms(followup: FollowUp) -> FollowUp:
    """Attach snooze and done forms whose ids are unique on the page."""
    if followup.is_active:
        followup.snooze_form = forms.SnoozeForm(auto_id=f"id_snooze{followup.pk}_%s")
        followup.complete_form = forms.CompleteForm(auto_id=f"id_done{followup.pk}_%s")
    return followup
