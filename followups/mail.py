"""Customer-facing texts of promises and follow-ups (delay notice, satisfaction
check, check-back) in the customer's language, and the signed survey links."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from followups.models import FollowUp, Promise
from helpdesk.exceptions import DomainError
from tickets.mail.acknowledge import language_for, reply_by
from tickets.models import Ticket

SURVEY_SALT = "followups.satisfaction-link"
# The link in a satisfaction email works this long after it was sent.
SURVEY_LINK_MAX_AGE = timedelta(days=30)
LANGUAGES = ("en", "de")


def customer_language(ticket: Ticket, text: str = "") -> str:
    """The customer's language: their setting, or German when they write it."""
    language = language_for(customer=ticket.customer, text=f"{ticket.subject}\n{text}")
    return language if language in LANGUAGES else "en"


def quarter_ceil(moment: datetime) -> datetime:
    """Round up to the quarter hour, as the customer is told the time."""
    floor = moment.replace(
        minute=moment.minute - moment.minute % 15, second=0, microsecond=0
    )
    return floor if floor == moment else floor + timedelta(minutes=15)


def say_when(moment: datetime, *, time_zone: str, language: str) -> str:
    """A due time as people say it ("Tuesday 14:15", "am Dienstag um 14:15 Uhr")."""
    now = timezone.now()
    if moment < now:
        # Past times are named by their date, never as "today".
        now = moment - timedelta(days=7)
    return reply_by(due=moment, now=now, time_zone=time_zone, language=language)


def signer_name(user: AbstractBaseUser | None, ticket: Ticket) -> str:
    """Who signs an email: the agent's first name, else the inbox."""
    if user is None:
        return ticket.inbox.name
    return user.get_short_name() or user.get_username()


# --- delay notice ------------------------------------------------------------


@dataclass(frozen=True)
class DelayNotice:
    language: str
    body: str


def delay_notice(
    *,
    promise: Promise,
    actor: AbstractBaseUser | None,
    new_due_at: datetime | None,
    explanation: str,
    keep_posted: bool = True,
    language: str | None = None,
) -> DelayNotice:
    """The delay notice: the facts, an apology, the explanation, the new date
    and a word on further updates. Without a new date it is only a draft."""
    ticket = promise.ticket
    language = language or customer_language(ticket)
    zone = ticket.inbox.time_zone
    body = render_to_string(
        f"followups/email/delay_notice_{language}.txt",
        {
            "customer_name": ticket.customer.name,
            "kind": promise.kind,
            "what": promise.what,
            "old_when": say_when(promise.due_at, time_zone=zone, language=language),
            "new_when": say_when(new_due_at, time_zone=zone, language=language)
            if new_due_at
            else "…",
            "explanation": explanation.strip() or "…",
            "keep_posted": keep_posted,
            "reference": ticket.reference,
            "signer": signer_name(actor or ticket.assignee, ticket),
        },
    ).strip()
    if new_due_at is None:
        body = body.replace("….", "…")
    return DelayNotice(language=language, body=body)


# --- follow-up emails --------------------------------------------------------


def followup_email_body(followup: FollowUp, *, language: str) -> str:
    """The text of a follow-up the system sends (satisfaction check, check-back)."""
    ticket = followup.ticket
    context = {
        "customer_name": ticket.customer.name,
        "subject": ticket.subject,
        "reference": ticket.reference,
        "signer": signer_name(followup.owner or ticket.assignee, ticket),
    }
    if followup.kind == FollowUp.Kind.SATISFACTION_CHECK:
        context["survey_url"] = survey_url(followup)
    return render_to_string(
        f"followups/email/{followup.kind}_{language}.txt", context
    ).strip()


# --- survey links ------------------------------------------------------------


class SurveyLinkInvalid(DomainError):
    """The link was altered, has expired or was voided."""

    status_code = 404

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # tampered | expired | void


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SURVEY_SALT)


def survey_token(followup: FollowUp) -> str:
    """A signed token for one satisfaction check in its current state."""
    return _signer().sign(f"{followup.pk}.{followup.link_nonce}")


def survey_url(followup: FollowUp) -> str:
    """The absolute customer link of a satisfaction check."""
    path = reverse("followups-survey:survey", args=[survey_token(followup)])
    return settings.SITE_URL + path


def read_survey_token(token: str) -> tuple[int, str]:
    """The follow-up id and nonce in a token; SurveyLinkInvalid when it was
    altered or is older than SURVEY_LINK_MAX_AGE."""
    try:
        value = _signer().unsign(token, max_age=SURVEY_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise SurveyLinkInvalid(
            _("This link has expired. Simply reply to our email instead."),
            reason="expired",
        ) from None
    except signing.BadSignature:
        raise SurveyLinkInvalid(
            _("This link is not valid. Please use the link from our email."),
            reason="tampered",
        ) from None
    followup_id, _dot, nonce = value.partition(".")
    if not followup_id.isdigit() or not nonce:
        raise SurveyLinkInvalid(_("This link is not valid."), reason="tampered")
    return int(followup_id), nonce
