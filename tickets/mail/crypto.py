"""Secrets at rest (mail source passwords): Fernet tokens under a key derived
with HKDF from MAIL_SECRET_KEY, or from SECRET_KEY when that is not set.

Older keys still decrypt (SECRET_KEY once MAIL_SECRET_KEY is introduced, and
SECRET_KEY_FALLBACKS), so rotating a key does not lock out stored passwords;
they are re-encrypted under the current key when next saved."""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.translation import gettext as _

from helpdesk.exceptions import DomainError

# Changing this makes every stored secret unreadable: it names the key's purpose.
_INFO = b"amends mail source secret v1"


class SecretUnreadable(DomainError):
    """The stored secret cannot be decrypted with any configured key."""


def _fernet(material: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        material.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _materials() -> list[str]:
    """The current key first, then the ones it replaced."""
    mail_key = getattr(settings, "MAIL_SECRET_KEY", "") or ""
    older = [settings.SECRET_KEY] if mail_key else []
    older += list(getattr(settings, "SECRET_KEY_FALLBACKS", []))
    return list(
        dict.fromkeys(k for k in [mail_key or settings.SECRET_KEY, *older] if k)
    )


def encrypt(secret: str) -> str:
    """A Fernet token for the secret under the current key."""
    return _fernet(_materials()[0]).encrypt(secret.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The secret; SecretUnreadable when no configured key opens the token."""
    if not token:
        raise SecretUnreadable(_("No password is stored for this mail source."))
    try:
        box = MultiFernet([_fernet(m) for m in _materials()])
        return box.decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError, UnicodeError) as exc:
        raise SecretUnreadable(
            _(
                "The stored password cannot be decrypted with the current "
                "MAIL_SECRET_KEY or SECRET_KEY; enter the password again."
            )
        ) from exc
