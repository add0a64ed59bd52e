"""System sentences of audit events.

Background workers write history that people of any language read later, so
an event stores a code with its parameters (note_code, note_params) and the
sentence is translated when it is shown: in the reader's language, with
times in the reader's time zone. Free text typed by people stays in `note`.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum

from django.apps import apps
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# How a parameter is shown; anything else is text as stored.
DATETIME = "datetime"  # stored as ISO 8601, shown in the reader's time zone
DATE = "date"  # a date, or a moment shown as the reader's local date
DURATION = "duration"  # stored as seconds, shown in words
MONEY = "money"  # stored as {"amount": "50.00", "currency": "EUR"}


def choice(path: str) -> str:
    """A choice value shown with its label: choice("followups.FollowUp.Kind")."""
    return f"choice:{path}"


@dataclass(frozen=True)
class Sentence:
    # None: the sentence is just its single parameter (a choice label).
    text: object
    params: dict[str, str] = field(default_factory=dict)


NOTES: dict[str, Sentence] = {
    # tickets
    "auto_assigned": Sentence(_("Assigned automatically (round robin).")),
    "auto_acknowledged": Sentence(_("Automatic acknowledgement")),
    "auto_reply_from": Sentence(_("Automatic reply from %(sender)s")),
    "reply_from": Sentence(_("Reply from %(sender)s")),
    "reopened_by_reply": Sentence(_("Reopened by a reply from %(sender)s")),
    "bounced": Sentence(_("Bounced: %(reason)s")),
    "followup_sent": Sentence(
        _("Follow-up sent automatically: %(kind)s"),
        {"kind": choice("followups.FollowUp.Kind")},
    ),
    "rated_low": Sentence(_("The customer rated the solution %(score)d of 5.")),
    # recovery
    "offer_made": Sentence(
        _("%(kind)s %(amount)s"),
        {"kind": choice("recovery.Offer.Kind"), "amount": MONEY},
    ),
    "offer_within_authority": Sentence(_("Within the maker's own authority.")),
    "offer_amount_changed": Sentence(
        _("Amount changed from %(old)s to %(new)s."), {"old": MONEY, "new": MONEY}
    ),
    "offer_answer": Sentence(None, {"answer": choice("recovery.Offer.Answer")}),
    "check_can_keep": Sentence(
        _("%(kind)s (can keep it)"), {"kind": choice("recovery.PromiseCheck.Kind")}
    ),
    "check_cannot_keep": Sentence(
        _("%(kind)s (cannot keep it)"),
        {"kind": choice("recovery.PromiseCheck.Kind")},
    ),
    "options_prepared_again": Sentence(_("Options prepared again.")),
    "options_sent": Sentence(
        _("Options sent; the link works until %(date)s."), {"date": DATE}
    ),
    "options_withdrawn": Sentence(_("Options withdrawn.")),
    "option_chosen": Sentence(
        None, {"option": choice("recovery.ChoiceRequest.Option")}
    ),
    "customer_chose": Sentence(
        _("The customer chose: %(option)s."),
        {"option": choice("recovery.ChoiceRequest.Option")},
    ),
    "escalated_to": Sentence(_("To %(target)s")),
    "prevention_overdue": Sentence(
        _("Prevention action overdue since %(date)s"), {"date": DATE}
    ),
    # followups
    "late_by": Sentence(_("Late by %(late)s."), {"late": DURATION}),
    "sent_by_email": Sentence(_("Sent by email.")),
    "ticket_reopened": Sentence(_("The ticket was reopened.")),
    "new_update_time": Sentence(_("A new update time was announced.")),
    "answered_customer": Sentence(_("Answered the customer.")),
    "update_by": Sentence(_("Update the customer by %(when)s."), {"when": DATETIME}),
    "snoozed": Sentence(_("Snoozed.")),
    "details_corrected": Sentence(_("Details corrected.")),
    "delay_notice_sent": Sentence(_("Delay notice sent.")),
    "promise_broken": Sentence(
        _("The due time passed without the promise being kept.")
    ),
    "promise_at_risk": Sentence(_("Due soon and not yet kept.")),
}


def system_note(code: str, text: str = "", **params: object) -> dict:
    """The fields to store for a system sentence (and a person's text after
    it): system_note(code, late=timedelta(...)) -> note, note_code, note_params."""
    if code not in NOTES:
        raise KeyError(f"unknown note code {code!r}")
    return {
        "note": text,
        "note_code": code,
        "note_params": {name: _jsonable(value) for name, value in params.items()},
    }


def note_fields(value: str | dict) -> dict:
    """Event fields from what a service was given: plain text or system_note(...)."""
    if isinstance(value, dict):
        return value
    return {"note": value or "", "note_code": "", "note_params": {}}


def _jsonable(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):  # (amount, currency)
        amount, currency = value
        return {"amount": str(amount), "currency": currency}
    return value


def render_note(code: str, params: dict | None) -> str:
    """The sentence in the active language; "" for an unknown code."""
    sentence = NOTES.get(code)
    if sentence is None:
        return ""
    params = params or {}
    values = {
        name: _shown(sentence.params.get(name, ""), value)
        for name, value in params.items()
    }
    if sentence.text is None:
        return " ".join(str(v) for v in values.values())
    text = str(sentence.text)
    return text % values if values else text


def render_event_note(event: object) -> str:
    """What an event's (or follow-up's) note says: its sentence, then the
    person's text."""
    return render_stored(event.note, event.note_code, event.note_params)


def render_stored(text: str, code: str, params: dict | None) -> str:
    """A stored system sentence (code and params) in the reader's language,
    then the text a person wrote; text alone when there is no code."""
    text = text or ""
    if not code:
        return text
    sentence = render_note(code, params)
    if not sentence:
        return text
    if not text:
        return sentence
    # "Snoozed. Text" but "Accepted: text".
    separator = " " if sentence[-1] in ".!?:" else ": "
    return f"{sentence}{separator}{text}"


def _shown(kind: str, value: object) -> object:
    if value is None or value == "":
        return ""
    if kind == DATETIME:
        moment = parse_datetime(str(value))
        if moment is None:
            return value
        return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    if kind == DATE:
        # A moment is the reader's local date; a plain date stays as it is.
        moment = parse_datetime(str(value))
        if moment is not None and timezone.is_aware(moment):
            day = timezone.localdate(moment)
        else:
            day = parse_date(str(value)[:10])
        return formats.date_format(day, "DATE_FORMAT") if day else value
    if kind == DURATION:
        return duration_words(timedelta(seconds=int(value)))
    if kind == MONEY:
        from tickets.templatetags.tickets_ui import money

        return money(value.get("amount"), value.get("currency", ""))
    if kind.startswith("choice:"):
        return _choice_label(kind.removeprefix("choice:"), value)
    return value


def _choice_label(path: str, value: object) -> str:
    app_label, model_name, class_name = path.split(".")
    choices = getattr(apps.get_model(app_label, model_name), class_name)
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def duration_words(value: timedelta) -> str:
    """ "2 days 3 hours", "1 hour 5 minutes", "12 minutes"."""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)

    d = ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    h = ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    m = ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    if days:
        return f"{d} {h}" if hours else d
    if hours:
        return f"{h} {m}" if minutes else h
    return m
