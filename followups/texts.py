"""One-line texts of reminders, for the bell, the list and the digest."""

from django.utils.translation import gettext as _

from followups.models import Notification


def notification_text(notification: Notification) -> str:
    """What a reminder is about, in one line."""
    ref = notification.ticket.reference if notification.ticket_id else ""
    kind = notification.kind
    if kind == Notification.Kind.PROMISE_AT_RISK and notification.promise_id:
        return _("%(ref)s: promise at risk: %(what)s") % {
            "ref": ref,
            "what": notification.promise.what,
        }
    if kind == Notification.Kind.PROMISE_BROKEN and notification.promise_id:
        return _("%(ref)s: promise broken: %(what)s") % {
            "ref": ref,
            "what": notification.promise.what,
        }
    if kind == Notification.Kind.FOLLOWUP_DUE and notification.followup_id:
        followup = notification.followup
        text = followup.note_text or followup.get_kind_display()
        return _("%(ref)s: follow-up due: %(what)s") % {"ref": ref, "what": text}
    if kind == Notification.Kind.SATISFACTION_LOW and notification.followup_id:
        answer = getattr(notification.followup, "satisfaction_answer", None)
        return _("%(ref)s: the customer rated the solution %(score)s of 5") % {
            "ref": ref,
            "score": answer.score if answer else "?",
        }
    return f"{ref}: {notification.get_kind_display()}"
