"""HTML views for agents. Each reads through selectors (a non-member gets 404)
and writes through one service call; a DomainError becomes a message, never
a 500. Ticket actions answer htmx with fresh fragments, others with a redirect."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from followups import services as followup_services
from helpdesk.actions import attempt
from helpdesk.navigation import nav_badges_for, navigation_for
from tickets import forms, selectors, services
from tickets.mail.outbound import outbound_retry_now
from tickets.models import Attachment, Message, Ticket
from tickets.thread import thread_html

PAGE_SIZE = 25
STATUS_FILTERS = [
    ("active", gettext_lazy("Open work")),
    *Ticket.Status.choices,
    ("any", gettext_lazy("Any status")),
]


def _page(request: HttpRequest) -> int:
    value = request.GET.get("page", "")
    return min(max(int(value), 1), selectors.MAX_PAGE) if value.isdigit() else 1


def _wants_fragment(request: HttpRequest) -> bool:
    """An htmx request that swaps part of the page (not a boost or a reload)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


# --- ticket list -------------------------------------------------------------


@login_required
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    """Open work in the user's inboxes, filtered, newest activity first."""
    filters = selectors.TicketFilters.from_params(request.GET)
    page = _page(request)
    qs = selectors.ticket_list_for_user(user=request.user, filters=filters)
    tickets, has_next = selectors.page_of(qs, page=page, size=PAGE_SIZE)
    context = {"tickets": tickets, "page": page, "has_next": has_next, "f": filters}
    if _wants_fragment(request):
        return render(request, "tickets/_ticket_results.html", context)
    # The inbox filter and the navigation list the same inboxes: read them once.
    navigation = navigation_for(user=request.user)
    context |= {
        "navigation": navigation,
        "inboxes": navigation.inboxes,
        "assignees": selectors.assignee_choices_for_user(user=request.user),
        "statuses": STATUS_FILTERS,
        "priorities": Ticket.Priority.choices,
    }
    return render(request, "tickets/ticket_list.html", context)


@login_required
@require_GET
def nav_counts(request: HttpRequest) -> HttpResponse:
    """The navigation's counts, swapped into their places by htmx."""
    badges = nav_badges_for(user=request.user)
    return render(request, "tickets/_nav_counts.html", {"badges": badges})


# --- ticket page and its actions ---------------------------------------------


def _ticket_context(
    request: HttpRequest,
    ticket: Ticket,
    *,
    reply_form: forms.ReplyForm | None = None,
    note_form: forms.NoteForm | None = None,
    tab: str = "reply",
    show_all: bool = False,
) -> dict:
    members = list(selectors.members_of_inbox(inbox=ticket.inbox))
    heads, has_earlier = selectors.message_window_for_ticket(
        ticket=ticket, show_all=show_all
    )
    return {
        "ticket": ticket,
        "thread": thread_html(request, ticket, heads),
        "has_earlier": has_earlier,
        "reply_form": reply_form or forms.ReplyForm(ticket=ticket),
        "note_form": note_form or forms.NoteForm(),
        "assign_form": forms.AssignForm(ticket=ticket, members=members),
        "status_form": forms.StatusForm(ticket=ticket),
        "properties_form": forms.PropertiesForm(ticket=ticket),
        "tab": tab,
    }


@login_required
@require_GET
def ticket_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The conversation, the composer and the ticket's properties."""
    ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
    show_all = request.GET.get("thread") == "all"
    context = _ticket_context(request, ticket, show_all=show_all)
    return render(request, "tickets/ticket_detail.html", context)


@login_required
@require_GET
def ticket_history(request: HttpRequest, reference: str) -> HttpResponse:
    """The ticket's audit trail, loaded when its section is opened."""
    ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
    events = selectors.ticket_event_list(ticket=ticket)
    return render(request, "tickets/_history.html", {"events": events})


def ticket_action(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A POST on a ticket the user may see (else 404); passes the ticket on."""

    @login_required
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, reference: str, **kwargs) -> HttpResponse:
        ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
        return view(request, ticket, **kwargs)

    return wrapper


def _respond(
    request: HttpRequest,
    ticket: Ticket,
    *,
    composer: bool = False,
    draft: dict | None = None,
) -> HttpResponse:
    """htmx: fresh fragments of the page; otherwise back to the ticket page
    (or the page itself when a draft must survive an error)."""
    if not request.htmx and draft is None:
        return redirect(ticket)
    ticket = selectors.ticket_get_for_user(
        user=request.user, reference=ticket.reference
    )
    context = _ticket_context(request, ticket, **(draft or {}))
    if not request.htmx:
        return render(request, "tickets/ticket_detail.html", context)
    context["with_composer"] = composer
    return render(request, "tickets/_ticket_swap.html", context)


@ticket_action
def ticket_reply(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """Send a reply by email and set the status chosen for afterwards."""
    form = forms.ReplyForm(request.POST, ticket=ticket)
    ok = attempt(
        request,
        form,
        lambda: followup_services.ticket_reply_with_update(
            ticket=ticket,
            actor=request.user,
            body_text=form.cleaned_data["body_text"],
            status_after=form.cleaned_data["status_after"] or None,
            update_by=form.cleaned_data["next_update_at"],
            record_promise=form.cleaned_data["record_promise"],
        ),
        _("Reply queued for sending."),
    )
    draft = None if ok else {"reply_form": form}
    return _respond(request, ticket, composer=True, draft=draft)


@ticket_action
def ticket_note(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """Add an internal note (never emailed)."""
    form = forms.NoteForm(request.POST)
    ok = attempt(
        request,
        form,
        lambda: services.ticket_add_note(
            ticket=ticket, actor=request.user, body_text=form.cleaned_data["body_text"]
        ),
        _("Note added."),
    )
    draft = None if ok else {"note_form": form, "tab": "note"}
    return _respond(request, ticket, composer=True, draft=draft)


@ticket_action
def ticket_claim(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """Assign the ticket to the current user."""
    attempt(
        request,
        None,
        lambda: services.ticket_claim(ticket=ticket, actor=request.user),
        _("The ticket is now assigned to you."),
    )
    return _respond(request, ticket)


@ticket_action
def ticket_assign(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """Assign the ticket to a member of its inbox, or unassign it."""
    members = list(selectors.members_of_inbox(inbox=ticket.inbox))
    form = forms.AssignForm(request.POST, ticket=ticket, members=members)
    attempt(
        request,
        form,
        lambda: services.ticket_assign(
            ticket=ticket, assignee=form.cleaned_assignee(), actor=request.user
        ),
        _("Assignee changed."),
    )
    return _respond(request, ticket)


@ticket_action
def ticket_status(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """Move the ticket to another status (the transition table decides)."""
    form = forms.StatusForm(request.POST, ticket=ticket)
    attempt(
        request,
        form,
        lambda: services.ticket_transition(
            ticket=ticket, to=form.cleaned_data["status"], actor=request.user
        ),
        _("Status changed."),
    )
    return _respond(request, ticket)


@ticket_action
def ticket_properties(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """Change priority, category, component and tags."""
    form = forms.PropertiesForm(request.POST, ticket=ticket)
    attempt(
        request,
        form,
        lambda: services.ticket_update(
            ticket=ticket, actor=request.user, **form.cleaned_data
        ),
        _("Ticket updated."),
    )
    return _respond(request, ticket)


@ticket_action
def message_retry(
    request: HttpRequest, ticket: Ticket, message_id: int
) -> HttpResponse:
    """Queue a failed reply for another delivery attempt."""
    message = (
        selectors.message_list_for_ticket(ticket=ticket)
        .filter(pk=message_id, kind=Message.Kind.REPLY, outbound__isnull=False)
        .first()
    )
    if message is None:
        raise Http404("No such reply.")
    outbound_retry_now(outbound=message.outbound)
    messages.success(request, _("The reply will be sent again."))
    return _respond(request, ticket)


@login_required
@require_GET
def attachment_download(
    request: HttpRequest, reference: str, attachment_id: int
) -> FileResponse:
    """An attachment of a visible ticket, always as a download (never inline)."""
    ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
    attachment = get_object_or_404(Attachment, pk=attachment_id, message__ticket=ticket)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )


# --- customers ---------------------------------------------------------------


@login_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    """Customers with tickets the user may see, searchable by name or email."""
    q = request.GET.get("q", "").strip()
    qs = selectors.customer_list_for_user(user=request.user)
    if q:
        qs = qs.filter(Q(email__icontains=q) | Q(name__icontains=q))
    page = _page(request)
    customers, has_next = selectors.page_of(qs, page=page, size=PAGE_SIZE)
    context = {"customers": customers, "page": page, "has_next": has_next, "q": q}
    return render(request, "tickets/customer_list.html", context)


@login_required
@require_GET
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    """A customer's details and their tickets that the user may see."""
    customer = selectors.customer_get_for_user(
        user=request.user, customer_id=customer_id
    )
    page = _page(request)
    qs = selectors.customer_ticket_list(user=request.user, customer=customer)
    tickets, has_next = selectors.page_of(qs, page=page, size=PAGE_SIZE)
    context = {
        "customer": customer,
        "tickets": tickets,
        "page": page,
        "has_next": has_next,
    }
    return render(request, "tickets/customer_detail.html", context)


# --- profile -----------------------------------------------------------------


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """Memberships, authority limits, away switches and preferences."""
    current = getattr(request.user, "agent_profile", None)
    initial = {
        "language": current.language if current else "",
        "time_zone": current.time_zone if current else "Europe/Berlin",
    }
    form = forms.PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and attempt(
        request,
        form,
        lambda: services.agent_profile_update(user=request.user, **form.cleaned_data),
        _("Preferences saved."),
    ):
        return redirect("tickets:profile")
    memberships = selectors.membership_list_for_user(user=request.user)
    context = {"form": form, "memberships": memberships}
    return render(request, "tickets/profile_detail.html", context)


@login_required
@require_POST
def membership_away(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Mark oneself away in one inbox (automatic assignment skips you) or back."""
    memberships = selectors.membership_list_for_user(user=request.user)
    membership = get_object_or_404(memberships, pk=membership_id)
    form = forms.AwayForm(request.POST)
    is_away = form.is_valid() and form.cleaned_data["is_away"]
    services.membership_set_away(membership=membership, is_away=is_away)
    note = (
        _("You are away in %(inbox)s.") if is_away else _("You are back in %(inbox)s.")
    )
    messages.success(request, note % {"inbox": membership.inbox})
    if _wants_fragment(request):
        context = {"memberships": memberships.all()}
        return render(request, "tickets/_memberships_swap.html", context)
    return redirect("tickets:profile")
