"""Change events: recorded, changed and removed by managers of the inbox."""

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.exceptions import DomainError
from recovery.trends.models import ChangeEvent
from tickets.models import Component, Inbox, Membership

User = AbstractBaseUser


def _require_manager(user: User, inbox: Inbox) -> None:
    if not Membership.objects.filter(
        user_id=user.pk, inbox_id=inbox.pk, role=Membership.Role.MANAGER
    ).exists():
        raise PermissionDenied(_("Managers of this inbox only."))


def _clean(
    *, kind: str, title: str, happened_at: datetime, component: Component | None
) -> str:
    if kind not in ChangeEvent.Kind.values:
        raise DomainError(_("Unknown kind of change “%(kind)s”.") % {"kind": kind})
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the change a title."))
    if timezone.is_naive(happened_at):
        raise DomainError(_("The time of the change needs a time zone."))
    if happened_at > timezone.now() + timedelta(days=366):
        raise DomainError(_("The change is too far in the future."))
    return title[:200]


@transaction.atomic
def change_event_create(
    *,
    actor: User,
    inbox: Inbox,
    kind: str,
    title: str,
    happened_at: datetime,
    component: Component | None = None,
    notes: str = "",
) -> ChangeEvent:
    """Record a change in an inbox the actor manages."""
    _require_manager(actor, inbox)
    title = _clean(kind=kind, title=title, happened_at=happened_at, component=component)
    return ChangeEvent.objects.create(
        inbox=inbox,
        kind=kind,
        component=component,
        title=title,
        happened_at=happened_at,
        notes=(notes or "").strip(),
        created_by=actor,
    )


@transaction.atomic
def change_event_update(
    *,
    actor: User,
    change: ChangeEvent,
    inbox: Inbox | None = None,
    kind: str | None = None,
    title: str | None = None,
    happened_at: datetime | None = None,
    component: Component | bool | None = False,
    notes: str | None = None,
) -> ChangeEvent:
    """Change what was recorded; the actor manages the old and new inbox.
    `component=None` clears it, `False` leaves it."""
    change = ChangeEvent.objects.select_for_update(of=("self",)).get(pk=change.pk)
    _require_manager(actor, change.inbox)
    if inbox is not None and inbox.pk != change.inbox_id:
        _require_manager(actor, inbox)
        change.inbox = inbox
    if component is not False:
        change.component = component
    change.kind = kind if kind is not None else change.kind
    change.happened_at = happened_at or change.happened_at
    change.title = _clean(
        kind=change.kind,
        title=title if title is not None else change.title,
        happened_at=change.happened_at,
        component=change.component,
    )
    if notes is not None:
        change.notes = notes.strip()
    change.save()
    return change


@transaction.atomic
def change_event_delete(*, actor: User, change: ChangeEvent) -> None:
    """Remove a change recorded by mistake."""
    _require_manager(actor, change.inbox)
    ChangeEvent.objects.filter(pk=change.pk).delete()
