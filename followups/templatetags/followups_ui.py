"""Presentation helpers for promises, follow-ups and notifications: the
ticket page's panel and one-line texts."""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from followups.models import FollowUp, Promise
from followups.panel import panel_context
from followups.texts import notification_text
from tickets.models import Ticket

register = template.Library()


@register.inclusion_tag("followups/_panel.html", takes_context=True)
def followups_panel(context: template.Context, ticket: Ticket) -> dict:
    """The ticket page's promises and follow-ups."""
    request = context["request"]
    return {
        **panel_context(user=request.user, ticket=ticket),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def relative(moment) -> str:
    """ "in 3 hours" or "2 days ago"."""
    if not moment:
        return ""
    now = timezone.now()
    if abs(moment - now) < timedelta(minutes=1):
        return _("now")
    if moment > now:
        return _("in %(time)s") % {"time": timeuntil(moment, now, depth=1)}
    return _("%(time)s ago") % {"time": timesince(moment, now, depth=1)}


@register.filter
def is_overdue(followup: FollowUp) -> bool:
    return followup.is_active and followup.due_at <= timezone.now()


@register.filter
def late_text(value: timedelta | None) -> str:
    """How late a follow-up fired, for humans."""
    if not value:
        return ""
    return _("fired %(time)s late") % {
        "time": timesince(timezone.now() - value, timezone.now(), depth=2)
    }


register.filter("notification_text", notification_text)


@register.filter
def promise_state_label(value: str) -> str:
    try:
        return str(Promise.State(value).label)
    except ValueError:
        return value


@register.filter
def followup_state_label(value: str) -> str:
    try:
        return str(FollowUp.State(value).label)
    except ValueError:
        return value
