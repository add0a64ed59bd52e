"""Presentation helpers for the agent interface: navigation, labels, money."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.timesince import timesince
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from helpdesk.navigation import navigation_for
from tickets import selectors
from tickets.forms import member_label
from tickets.models import Message, OutboundEmail, Ticket, TicketEvent

register = template.Library()

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
Kind = TicketEvent.Kind


@register.inclusion_tag("tickets/_nav.html", takes_context=True)
def agent_nav(context: template.Context) -> dict:
    """Left navigation: ticket views, inboxes, and the recovery, follow-up
    and mail entries the user may use. Their counts load separately."""
    request = context["request"]
    match = request.resolver_match
    on_list = bool(match and match.url_name == "ticket-list")
    current = selectors.TicketFilters.from_params(request.GET) if on_list else None
    nav = context.get("navigation") or navigation_for(user=request.user)
    views = [
        ("mine", _("My tickets")),
        ("unassigned", _("Unassigned")),
        ("all", _("All open")),
    ]
    nav_context = {
        "request": request,
        "user": request.user,
        "url_name": match.url_name if match else "",
        "view_name": match.view_name if match else "",
        "views": [
            {
                "key": key,
                "label": label,
                "active": bool(current and current.view == key and not current.inbox),
            }
            for key, label in views
        ],
        "inboxes": nav.inboxes,
        "current_inbox": current.inbox if current else None,
        "nav": nav,
    }
    return nav_context | {"nav_key": _nav_key(nav_context)}


def _nav_key(nav_context: dict) -> str:
    """Everything the cached part of the navigation shows (see _nav.html):
    a renamed inbox, a new membership or role, another page gives a new key."""
    nav, user = nav_context["nav"], nav_context["user"]
    return repr(
        (
            user.pk,
            user.is_staff,
            get_language(),
            nav_context["view_name"],
            nav_context["current_inbox"],
            [v["active"] for v in nav_context["views"]],
            [(i.slug, i.name) for i in nav_context["inboxes"]],
            nav.is_manager,
            nav.sees_quarantine,
        )
    )


@register.filter
def person(user: AbstractBaseUser | None) -> str:
    """A colleague's display name: full name, else username."""
    return member_label(user) if user is not None else ""


@register.filter
def initials(name: str) -> str:
    parts = [p for p in str(name).replace("@", " ").replace(".", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.filter
def ago(value) -> str:
    """Compact relative time: "5 minutes ago", "just now"."""
    if not value:
        return ""
    now = timezone.now()
    if now - value < timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(value, now, depth=1)}


@register.filter
def money(amount: Decimal | str | None, currency: str) -> str:
    """An amount with its currency: "€50.00", or "50.00 CHF" without a symbol."""
    if amount is None:
        return ""
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = number_format(value, 2, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol and get_language() != "de":
        return f"{symbol}{text}"
    return f"{text} {symbol or currency}"  # German style: "50,00 €"


def _label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "—"


def _change(choices: type, event: TicketEvent) -> dict[str, str]:
    return {
        "from": _label(choices, event.from_value),
        "to": _label(choices, event.to_value),
    }


@register.filter
def author(message: Message) -> str:
    """Who wrote a message: the customer's name or address, or the colleague."""
    if message.kind == Message.Kind.INBOUND:
        customer = message.author_customer
        return (customer.name if customer else "") or message.from_address
    return person(message.author_user) or _("Support team")


@register.filter
def event_summary(event: TicketEvent) -> str:
    """What happened, as the predicate after the actor's name."""
    if event.kind == Kind.CREATED:
        return _("created the ticket")
    if event.kind == Kind.STATUS:
        return _("changed the status from %(from)s to %(to)s") % _change(
            Ticket.Status, event
        )
    if event.kind == Kind.ASSIGNED:
        if not event.to_value:
            return _("unassigned it from %(user)s") % {"user": event.from_value}
        return _("assigned it to %(user)s") % {"user": event.to_value}
    if event.kind == Kind.PRIORITY:
        return _("changed the priority from %(from)s to %(to)s") % _change(
            Ticket.Priority, event
        )
    if event.kind == Kind.CATEGORY:
        return _("changed the category from %(from)s to %(to)s") % _change(
            Ticket.Category, event
        )
    if event.kind == Kind.COMPONENT:
        return _("changed the component from %(from)s to %(to)s") % {
            "from": event.from_value or "—",
            "to": event.to_value or "—",
        }
    if event.kind == Kind.TAGS:
        return _("set the tags to %(tags)s") % {"tags": event.to_value or "—"}
    if event.kind == Kind.REPLIED:
        return _("sent a reply")
    if event.kind == Kind.NOTED:
        return _("added an internal note")
    if event.kind == Kind.DELIVERY:
        state = _label(OutboundEmail.Status, event.to_value)
        return _("reply delivery: %(state)s") % {"state": state}
    return str(event.get_kind_display())
