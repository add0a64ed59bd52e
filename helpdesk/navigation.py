"""The left navigation of every agent page: the user's inboxes and the counts
on its entries, read in two queries whatever the number of entries.

Each count is defined by the selector of the app that owns the list it
counts, so a badge always agrees with the page it links to."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from followups import selectors as followup_selectors
from recovery import selectors as recovery_selectors
from tickets import selectors as ticket_selectors
from tickets.mail import quarantine
from tickets.models import Inbox

# Counts stop here, so they stay cheap on a busy inbox ("99+").
COUNT_CAP = 99
TICKET_VIEWS = ("mine", "unassigned", "all")


@dataclass(frozen=True)
class Navigation:
    inboxes: list[Inbox]
    counts: dict[str, int]

    @property
    def badges(self) -> dict[str, str]:
        """Each count as shown: "7", or "99+" past the cap."""
        return {
            key: f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)
            for key, count in self.counts.items()
        }

    @property
    def is_manager(self) -> bool:
        return self.counts["managed_inboxes"] > 0

    @property
    def sees_quarantine(self) -> bool:
        return self.counts["quarantine_inboxes"] > 0


def _ticket_view(user: AbstractBaseUser, view: str):
    filters = ticket_selectors.TicketFilters(view=view)
    # Ordering by inbox keeps the planner on the partial index of active
    # tickets; unordered it may scan the table when pages are not vacuumed.
    return ticket_selectors.ticket_list_for_user(user=user, filters=filters).order_by(
        "inbox_id"
    )


def navigation_for(*, user: AbstractBaseUser) -> Navigation:
    """The inboxes and every count the navigation shows to this user."""
    counted = {view: _ticket_view(user, view) for view in TICKET_VIEWS} | {
        "managed_inboxes": recovery_selectors.managed_inboxes(user=user),
        "approvals": recovery_selectors.approval_queue_for_user(user=user),
        "followups_due": followup_selectors.followup_due_for_owner(user=user),
        "promises_overdue": followup_selectors.promise_overdue_for_user(user=user),
        "unread": followup_selectors.notification_list_for_user(
            user=user, unread_only=True
        ),
        "quarantine_inboxes": quarantine.quarantine_inboxes_for_user(user=user),
        "quarantined": quarantine.quarantined_for_user(user=user),
    }
    for key in counted.keys() - TICKET_VIEWS:
        counted[key] = counted[key].order_by()
    return Navigation(
        inboxes=list(ticket_selectors.inbox_list_for_user(user=user)),
        counts=ticket_selectors.count_each(counted, cap=COUNT_CAP),
    )
