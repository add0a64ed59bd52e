"""Template tags of the recovery interface: the case panel on the ticket
page and small formatting filters."""

from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

from recovery.models import CaseEvent, RecoveryCase
from recovery.panel import panel_context
from tickets.models import Ticket
from tickets.templatetags.tickets_ui import money, person

register = template.Library()


@register.inclusion_tag("recovery/_panel.html", takes_context=True)
def recovery_panel(context: template.Context, ticket: Ticket) -> dict:
    """The guided recovery panel for a ticket the user may see."""
    request = context["request"]
    return {
        **panel_context(request, ticket),
        "request": request,
        "user": request.user,
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def duration(value: timedelta | None) -> str:
    """A step's duration in words a person scans: "45 min", "3 h 20 min", "2 d 4 h"."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}


def _status_label(value: str) -> str:
    try:
        return str(RecoveryCase.Status(value).label)
    except ValueError:
        return value or "—"


@register.filter
def case_event_summary(event: CaseEvent) -> str:
    """What happened, as the predicate after the actor's name."""
    if event.kind == CaseEvent.Kind.STATUS:
        if not event.from_status:
            return _("opened the case")
        return _("moved the case from %(from)s to %(to)s") % {
            "from": _status_label(event.from_status),
            "to": _status_label(event.to_status),
        }
    offer = event.offer
    amount = money(offer.amount, offer.currency) if offer else ""
    phrases = {
        CaseEvent.Kind.OFFER_MADE: _("offered %(amount)s"),
        CaseEvent.Kind.OFFER_APPROVED: _("approved the offer of %(amount)s"),
        CaseEvent.Kind.OFFER_REJECTED: _("rejected the offer of %(amount)s"),
        CaseEvent.Kind.OFFER_WITHDRAWN: _("withdrew the offer of %(amount)s"),
        CaseEvent.Kind.OFFER_ANSWERED: _("answered the offer of %(amount)s"),
        CaseEvent.Kind.CHECK: _("recorded a check"),
        CaseEvent.Kind.OPTIONS_PREPARED: _("prepared the options"),
        CaseEvent.Kind.CHOICE: _("chose"),
        CaseEvent.Kind.SUBSTITUTE_DELIVERED: _("delivered the alternative"),
        CaseEvent.Kind.PREVENTION_DONE: _("marked the prevention action done"),
        CaseEvent.Kind.PREVENTION_REOPENED: _("reopened the prevention action"),
    }
    phrase = phrases.get(event.kind)
    return phrase % {"amount": amount} if phrase else str(event.get_kind_display())


# Changes without an actor that come from the customer rather than the system.
_CUSTOMER_KINDS = {CaseEvent.Kind.CHOICE, CaseEvent.Kind.OFFER_ANSWERED}


@register.filter
def case_event_actor(event: CaseEvent) -> str:
    """Who made the change: a colleague, the customer (through their link),
    or the system."""
    if event.actor_id:
        return person(event.actor)
    customer_move = event.kind == CaseEvent.Kind.STATUS and event.to_status in (
        RecoveryCase.Status.UNDERSTOOD,
        RecoveryCase.Status.FOLLOWED_UP,
    )
    if event.kind in _CUSTOMER_KINDS or customer_move:
        return _("Customer")
    return _("System")
