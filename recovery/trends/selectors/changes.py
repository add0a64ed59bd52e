"""Change events: the ones a period draws and tests, and the windows each
is compared over."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from recovery.trends.models import ChangeEvent
from recovery.trends.selectors.scope import Scope, User, managed_inbox_ids

# Change events tested and drawn per request, newest first.
MAX_CHANGE_EVENTS = 50


def change_event_list(*, scope: Scope) -> list[ChangeEvent]:
    """Change events of the scope's inboxes in the period, oldest first."""
    events = (
        ChangeEvent.objects.filter(
            inbox_id__in=scope.inbox_ids,
            happened_at__gte=scope.start,
            happened_at__lt=scope.end,
        )
        .select_related("inbox", "component", "created_by")
        .order_by("-happened_at", "-id")[:MAX_CHANGE_EVENTS]
    )
    return sorted(events, key=lambda e: (e.happened_at, e.pk))


def change_event_list_for_user(*, user: User) -> QuerySet[ChangeEvent]:
    """Every change event of the inboxes the user manages, newest first."""
    return (
        ChangeEvent.objects.filter(inbox_id__in=managed_inbox_ids(user))
        .select_related("inbox", "component", "created_by")
        .order_by("-happened_at", "-id")
    )


def change_event_get_for_user(*, user: User, change_id: int) -> ChangeEvent:
    """The change event if the user manages its inbox, else 404."""
    found = change_event_list_for_user(user=user).filter(pk=change_id).first()
    if found is None:
        raise Http404(_("No such change event."))
    return found


@dataclass(frozen=True)
class Window:
    """What a change is compared over: the period around it up to the
    neighbouring change of the same inbox and component."""

    change: ChangeEvent
    before_from: datetime
    after_to: datetime


def change_windows(*, scope: Scope, events: list[ChangeEvent]) -> list[Window]:
    """Before and after windows of each change, within the period."""
    by_scope: dict[tuple[int, int | None], list[ChangeEvent]] = defaultdict(list)
    for event in events:
        by_scope[(event.inbox_id, event.component_id)].append(event)
    windows = []
    for same in by_scope.values():
        for i, event in enumerate(same):
            before_from = same[i - 1].happened_at if i else scope.start
            after_to = same[i + 1].happened_at if i + 1 < len(same) else scope.end
            windows.append(Window(event, max(before_from, scope.start), after_to))
    return windows
