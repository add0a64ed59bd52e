"""Signed, expiring links for customers to choose between options.

A token signs the choice request's id and its current nonce with a
timestamp. Answering or withdrawing the request replaces the nonce, so a link
works once; the signature's age limits how long it works at all."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from helpdesk.exceptions import DomainError

SALT = "recovery.choice-link"
CHOICE_LINK_MAX_AGE = timedelta(days=7)


class ChoiceLinkInvalid(DomainError):
    """The link was altered, has expired, or was already used."""

    status_code = 404

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # tampered | expired | used


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def choice_token(*, request_id: int, nonce: str) -> str:
    """A signed token for one choice request in its current state."""
    return _signer().sign(f"{request_id}.{nonce}")


def choice_url(*, request_id: int, nonce: str) -> str:
    """The absolute customer link for a choice request."""
    token = choice_token(request_id=request_id, nonce=nonce)
    return settings.SITE_URL + reverse("recovery:choice", args=[token])


def read_choice_token(token: str) -> tuple[int, str]:
    """The request id and nonce in a token; ChoiceLinkInvalid if it was
    altered or is older than CHOICE_LINK_MAX_AGE."""
    try:
        value = _signer().unsign(token, max_age=CHOICE_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise ChoiceLinkInvalid(
            _("This link has expired. Please reply to our email and we will help."),
            reason="expired",
        ) from None
    except signing.BadSignature:
        raise ChoiceLinkInvalid(
            _("This link is not valid. Please use the link from our email."),
            reason="tampered",
        ) from None
    request_id, _dot, nonce = value.partition(".")
    if not request_id.isdigit() or not nonce:
        raise ChoiceLinkInvalid(_("This link is not valid."), reason="tampered")
    return int(request_id), nonce
