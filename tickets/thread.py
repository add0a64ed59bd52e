"""The ticket page's conversation, rendered message by message.

A stored message does not change; what it shows besides its text does (the
delivery state, the authors' names, the reader's language and time zone), and
that is its key. Each message is rendered once per process and kept; only
messages not rendered yet are loaded in full. A failed delivery carries a
form with the reader's CSRF token and is never kept."""

from hashlib import md5

from django.core.cache import caches
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from tickets import selectors
from tickets.models import OutboundEmail, Ticket

TEMPLATE = "tickets/_message.html"
KEEP_SECONDS = 3600
# A long newsletter-style email is rendered each time rather than kept: the
# cache holds up to 20,000 fragments per process.
KEEP_MAX_CHARS = 64_000


def _key(head) -> str | None:
    if head.outbound__status == OutboundEmail.Status.FAILED:
        return None
    facts = (
        *head,
        translation.get_language(),
        timezone.get_current_timezone_name(),
    )
    return "thread:" + md5(repr(facts).encode(), usedforsecurity=False).hexdigest()


def thread_html(request: HttpRequest, ticket: Ticket, heads: list) -> list[SafeString]:
    """Each message of `heads` (from message_window_for_ticket) as HTML."""
    store = caches["fragments"]
    keys = {head.pk: _key(head) for head in heads}
    kept = store.get_many([key for key in keys.values() if key])
    missing = [pk for pk, key in keys.items() if key not in kept]
    full = selectors.messages_in_full(ticket=ticket, ids=missing)
    fresh = {
        pk: render_to_string(TEMPLATE, {"m": full[pk], "ticket": ticket}, request)
        for pk in missing
    }
    store.set_many(
        {
            keys[pk]: html
            for pk, html in fresh.items()
            if keys[pk] and len(html) <= KEEP_MAX_CHARS
        },
        KEEP_SECONDS,
    )
    # Rendered by our own template, which escapes what it shows.
    return [mark_safe(kept.get(keys[h.pk]) or fresh[h.pk]) for h in heads]  # noqa: S308
