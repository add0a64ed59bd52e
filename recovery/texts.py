"""Customer-facing texts of a case, in the customer's language (English or
German), from templates under templates/recovery/email/."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import AbstractBaseUser
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format

from recovery.models import ChoiceRequest, Offer, RecoveryCase
from tickets.models import Customer
from tickets.templatetags.tickets_ui import money

CUSTOMER_LANGUAGES = ("en", "de")
# The apology promises an answer within this many working days.
REPLY_WITHIN_DAYS = 1


def customer_language(customer: Customer) -> str:
    """The customer's language if there are templates for it, else English."""
    return customer.language if customer.language in CUSTOMER_LANGUAGES else "en"


def customer_zone(customer: Customer) -> ZoneInfo:
    """The customer's time zone; UTC when the stored name is not one."""
    try:
        return ZoneInfo(customer.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _agent_name(agent: AbstractBaseUser) -> str:
    return agent.get_full_name() or agent.get_username()


def _reply_by(now: datetime, language: str) -> str:
    """The next working day, as a weekday the customer reads in their zone."""
    day = now + timedelta(days=REPLY_WITHIN_DAYS)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    with translation.override(language):
        return date_format(day, "l, j F" if language == "en" else "l, j. F")


def apology_draft(*, case: RecoveryCase, agent: AbstractBaseUser) -> str:
    """A first-person apology for this failure, ready to edit and send."""
    customer = case.ticket.customer
    language = customer_language(customer)
    context = {
        "name": customer.name or customer.email,
        "failure_type": case.failure_type,
        "agent": _agent_name(agent),
        "signature": case.ticket.inbox.signature,
        "reply_by": _reply_by(
            timezone.localtime(timezone.now(), customer_zone(customer)), language
        ),
    }
    with translation.override(language):
        text = render_to_string(f"recovery/email/apology.{language}.txt", context)
    return text.strip() + "\n"


def _incentive(offer: Offer | None, language: str) -> str:
    if offer is None:
        return ""
    with translation.override(language):
        kind = str(offer.get_kind_display())
        value = money(offer.amount, offer.currency) if offer.amount else ""
    parts = [offer.description.strip() or kind, value]
    return " ".join(p for p in parts if p).rstrip(".")


def options_email(*, request: ChoiceRequest, url: str, agent: AbstractBaseUser) -> str:
    """The one email that puts the options to the customer, with the link."""
    case = request.case
    customer = case.ticket.customer
    language = customer_language(customer)
    with translation.override(language):
        labels = [str(c.get_kind_display()) for c in case.promise_checks.all()]
        # Mid-sentence, English lowercases the labels; German nouns keep theirs.
        checks = ", ".join(
            label.lower() if language == "en" else label for label in labels
        )
        context = {
            "name": customer.name or customer.email,
            "checks": checks,
            "new_date": request.new_date,
            "alternative": request.alternative.strip().rstrip("."),
            "incentive": _incentive(request.incentive_offer, language),
            "refund_amount": request.refund_amount,
            "currency": request.currency,
            "url": url,
            "expires_at": timezone.localtime(
                request.expires_at, customer_zone(customer)
            ),
            "agent": _agent_name(agent),
            "signature": case.ticket.inbox.signature,
        }
        text = render_to_string(f"recovery/email/options.{language}.txt", context)
    return text.strip() + "\n"
