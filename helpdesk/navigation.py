"""The left navigation of every agent page.

A page is rendered with the entries the user may use (one query); the
counts on them arrive in a second request that the navigation makes as soon
as it is shown and again every minute, so the page comes first and the
counts stay current while an agent keeps a list open. All counts are one
statement, each defined by the selector of the app that owns the list it
counts, so a badge always agrees with the page it links to."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from followups import selectors as followup_selectors
from recovery import selectors as recovery_selectors
from tickets import selectors as ticket_selectors
from tickets.mail import quarantine
from tickets.models import Inbox, Membership

# Counts stop here, so they stay cheap on a busy inbox ("99+").
COUNT_CAP = 99
TICKET_VIEWS = ("mine", "unassigned", "all")
# Badges that stay empty at zero: nothing to do is not news.
QUIET_AT_ZERO = frozenset({"followups_due", "promises_overdue", "unread"})


@dataclass(frozen=True)
class Navigation:
    inboxes: list[Inbox]
    is_manager: bool
    sees_quarantine: bool


def navigation_for(*, user: AbstractBaseUser) -> Navigation:
    """The inboxes and the entries the navigation shows this user."""
    memberships = list(
        Membership.objects.filter(user_id=user.pk)
        .select_related("inbox")
        .order_by("inbox__name")
    )
    return Navigation(
        inboxes=[m.inbox for m in memberships],
        is_manager=any(m.role == Membership.Role.MANAGER for m in memberships),
        sees_quarantine=any(
            quarantine.may_see_quarantine(user=user, membership=m) for m in memberships
        ),
    )


def _ticket_view(user: AbstractBaseUser, view: str) -> QuerySet:
    filters = ticket_selectors.TicketFilters(view=view)
    # Ordering by inbox keeps the planner on the partial index of active
    # tickets; unordered it may scan the table when pages are not vacuumed.
    return ticket_selectors.ticket_list_for_user(user=user, filters=filters).order_by(
        "inbox_id"
    )


def _counted(user: AbstractBaseUser, nav: Navigation) -> dict[str, QuerySet]:
    others = {
        "followups_due": followup_selectors.followup_due_for_owner(user=user),
        "promises_overdue": followup_selectors.promise_overdue_for_user(user=user),
        "unread": followup_selectors.notification_list_for_user(
            user=user, unread_only=True
        ),
    }
    if nav.is_manager:
        others["approvals"] = recovery_selectors.approval_queue_for_user(user=user)
    if nav.sees_quarantine:
        others["quarantined"] = quarantine.quarantined_for_user(user=user)
    # Only the ticket views keep an ordering (see _ticket_view).
    return {view: _ticket_view(user, view) for view in TICKET_VIEWS} | {
        key: qs.order_by() for key, qs in others.items()
    }


def _badge(key: str, count: int) -> str:
    if count > COUNT_CAP:
        return f"{COUNT_CAP}+"
    return "" if count == 0 and key in QUIET_AT_ZERO else str(count)


def nav_badges_for(*, user: AbstractBaseUser) -> dict[str, str]:
    """Each entry's count as shown: "7", "99+", or "" where zero says nothing."""
    nav = navigation_for(user=user)
    counts = ticket_selectors.count_each(_counted(user, nav), cap=COUNT_CAP)
    return {key: _badge(key, count) for key, count in counts.items()}
