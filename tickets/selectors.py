"""Reads, always scoped to the inboxes the user is a member of.

One rule decides visibility: a user sees a ticket when they are a member of
its inbox. Lists, pages, API, exports and search all go through here."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from tickets.models import Customer, Inbox, Membership, Message, Ticket

User = AbstractBaseUser

VIEWS = ("mine", "unassigned", "all")
MAX_PAGE = 200  # bounded offset: deeper pages are better reached with filters


def inbox_list_for_user(*, user: User) -> QuerySet[Inbox]:
    """Inboxes the user is a member of."""
    return Inbox.objects.filter(memberships__user=user).order_by("name")


def inbox_get_for_user(*, user: User, slug: str) -> Inbox:
    """The inbox if the user is a member, else 404."""
    inbox = inbox_list_for_user(user=user).filter(slug=slug).first()
    if inbox is None:
        raise Http404("No such inbox.")
    return inbox


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    """The user's memberships with their inboxes (for the profile page)."""
    return Membership.objects.filter(user=user).select_related("inbox")


def membership_get(*, user: User, inbox: Inbox) -> Membership | None:
    return Membership.objects.filter(user=user, inbox=inbox).first()


def members_of_inbox(*, inbox: Inbox) -> QuerySet[Membership]:
    """Memberships of an inbox with their users, for assignment pickers."""
    return (
        Membership.objects.filter(inbox=inbox, user__is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )


def _visible_inbox_ids(user: User) -> QuerySet:
    return Membership.objects.filter(user=user).values("inbox_id")


def ticket_visible_to(*, user: User) -> QuerySet[Ticket]:
    """Every ticket the user may see."""
    if not user.is_authenticated:
        return Ticket.objects.none()
    return Ticket.objects.filter(inbox_id__in=_visible_inbox_ids(user))


@dataclass(frozen=True)
class TicketFilters:
    view: str = "all"  # mine | unassigned | all
    inbox: str | None = None  # slug
    status: str | None = None  # a status, "active" (default) or "any"
    assignee: int | None = None
    priority: str | None = None
    q: str | None = None

    @classmethod
    def from_params(cls, params: Any) -> "TicketFilters":
        assignee = params.get("assignee")
        view = params.get("view") or "all"
        return cls(
            view=view if view in VIEWS else "all",
            inbox=params.get("inbox") or None,
            status=params.get("status") or None,
            assignee=int(assignee) if assignee and str(assignee).isdigit() else None,
            priority=params.get("priority") or None,
            q=(params.get("q") or "").strip() or None,
        )


def ticket_list_for_user(
    *, user: User, filters: TicketFilters | None = None
) -> QuerySet[Ticket]:
    """Tickets the user may see, filtered, newest activity first.

    Without a status filter only active tickets are listed ("open work")."""
    f = filters or TicketFilters()
    qs = ticket_visible_to(user=user)
    if f.view == "mine":
        qs = qs.filter(assignee=user)
    elif f.view == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    if f.inbox:
        # A literal id lets the planner pick the per-inbox partial index.
        inbox_id = (
            Inbox.objects.filter(slug=f.inbox, memberships__user=user)
            .values_list("pk", flat=True)
            .first()
        )
        qs = qs.filter(inbox_id=inbox_id) if inbox_id else qs.none()
    if f.status in (None, "active"):
        qs = qs.filter(status__in=Ticket.ACTIVE_STATUSES)
    elif f.status != "any":
        qs = qs.filter(status=f.status)
    if f.assignee:
        qs = qs.filter(assignee_id=f.assignee)
    if f.priority:
        qs = qs.filter(priority=f.priority)
    if f.q:
        qs = qs.filter(_search(f.q))
    return qs.select_related("inbox", "customer", "assignee").order_by(
        "-updated_at", "-id"
    )


def _search(q: str) -> Q:
    if "-" in q and q.split("-")[-1].isdigit():
        return Q(reference__iexact=q)
    return Q(subject__icontains=q) | Q(customer__email__iexact=q)


def ticket_get_for_user(*, user: User, reference: str) -> Ticket:
    """The ticket by reference if the user may see it, else 404."""
    ticket = (
        ticket_visible_to(user=user)
        # The ticket it continues is rare: loaded only when the header shows it.
        .select_related("inbox", "customer", "assignee", "component")
        .filter(reference=reference)
        .first()
    )
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def ticket_get_by_id_for_user(*, user: User, ticket_id: int) -> Ticket:
    """The ticket by id if the user may see it, else 404."""
    ticket = (
        ticket_visible_to(user=user)
        .select_related("inbox", "customer", "assignee", "component")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def message_list_for_ticket(
    *, ticket: Ticket, include_notes: bool = True
) -> QuerySet[Message]:
    """The conversation in order, with authors, attachments and delivery state."""
    qs = ticket.messages.select_related(
        "author_user", "author_customer", "outbound"
    ).prefetch_related("attachments")
    if not include_notes:
        qs = qs.exclude(kind=Message.Kind.NOTE)
    return qs.order_by("created_at", "id")


THREAD_WINDOW = 20
# What a thread message's rendering depends on besides its stored text (see
# tickets/thread.py): its delivery state and the names of its authors.
MESSAGE_HEAD = (
    "pk",
    "outbound__status",
    "author_user__first_name",
    "author_user__last_name",
    "author_user__username",
    "author_customer__name",
)


def message_window_for_ticket(
    *, ticket: Ticket, show_all: bool = False
) -> tuple[list, bool]:
    """The latest messages of the thread in order, as heads (MESSAGE_HEAD), and
    whether earlier ones were left out (long threads open at their end)."""
    qs = ticket.messages.values_list(*MESSAGE_HEAD, named=True)
    if show_all:
        return list(qs.order_by("created_at", "id")), False
    latest = list(qs.order_by("-created_at", "-id")[: THREAD_WINDOW + 1])
    return latest[:THREAD_WINDOW][::-1], len(latest) > THREAD_WINDOW


def messages_in_full(*, ticket: Ticket, ids: list[int]) -> dict[int, Message]:
    """Messages of the ticket by id, with authors, attachments and delivery."""
    if not ids:
        return {}
    return message_list_for_ticket(ticket=ticket).in_bulk(ids)


def assignee_choices_for_user(*, user: User) -> list:
    """Active members of any of the user's inboxes, one query, by name."""
    memberships = (
        Membership.objects.filter(inbox_id__in=_visible_inbox_ids(user))
        .filter(user__is_active=True)
        .select_related("user")
    )
    users = {m.user_id: m.user for m in memberships}
    return sorted(
        users.values(), key=lambda u: (u.get_full_name() or u.get_username()).lower()
    )


def ticket_event_list(*, ticket: Ticket):
    """The audit trail of a ticket, oldest first."""
    return ticket.events.select_related("actor").order_by("created_at", "id")


def customer_list_for_user(*, user: User, q: str | None = None) -> QuerySet[Customer]:
    """Customers with a ticket the user may see, plus those with no ticket yet
    (just created, shared by the whole team); optionally searched."""
    visible = ticket_visible_to(user=user).filter(customer=OuterRef("pk"))
    any_ticket = Ticket.objects.filter(customer=OuterRef("pk"))
    qs = Customer.objects.filter(Exists(visible) | ~Exists(any_ticket))
    if q:
        qs = qs.filter(Q(email__icontains=q) | Q(name__icontains=q))
    return qs.order_by("name", "email")


def customer_get_for_user(*, user: User, customer_id: int) -> Customer:
    """The customer if the user may see one of their tickets, else 404."""
    customer = customer_list_for_user(user=user).filter(pk=customer_id).first()
    if customer is None:
        raise Http404("No such customer.")
    return customer


def customer_ticket_list(*, user: User, customer: Customer) -> QuerySet[Ticket]:
    """The customer's tickets that the user may see, newest first."""
    return (
        ticket_visible_to(user=user)
        .filter(customer=customer)
        .select_related("inbox", "customer", "assignee")
        .order_by("-created_at")
    )


def count_each(querysets: dict[str, QuerySet], *, cap: int) -> dict[str, int]:
    """Count each queryset up to `cap + 1` rows, all in one round trip.

    A page's badges are many small counts; as separate queries their round
    trips cost more than the counting. Each queryset keeps its ordering, which
    may be there to steer the planner onto an index."""
    if not querysets:
        return {}
    parts, params = [], []
    for qs in querysets.values():
        sql, qs_params = qs.values("pk")[: cap + 1].query.sql_with_params()
        # The SQL is compiled by Django from querysets; values stay parameters.
        parts.append(f"(SELECT count(*) FROM ({sql}) AS capped)")  # noqa: S608
        params.extend(qs_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return dict(zip(querysets, cursor.fetchone(), strict=True))


def page_of(qs: QuerySet, *, page: int, size: int) -> tuple[list, bool]:
    """One page without COUNT(*): the rows and whether a next page exists."""
    page = max(1, min(page, MAX_PAGE))
    start = (page - 1) * size
    # Skip rows on the index alone, then load just the page with its joins.
    ids = list(qs.values_list("pk", flat=True)[start : start + size + 1])
    by_id = qs.filter(pk__in=ids[:size]).in_bulk()
    return [by_id[pk] for pk in ids[:size] if pk in by_id], len(ids) > size
