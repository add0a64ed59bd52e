"""HTML views: the ticket page's promises and follow-ups panel actions, "My
follow-ups", "Overdue promises", notifications, and the customer's
satisfaction page. Reads go through selectors (a non-member gets 404),
writes through one service call; a DomainError becomes a message."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from followups import forms, mail, selectors, services
from followups.models import FollowUp, Promise
from followups.panel import with_row_forms
from followups.services.satisfaction import answer_is_changeable
from helpdesk.actions import attempt
from helpdesk.exceptions import DomainError
from tickets import selectors as ticket_selectors
from tickets.models import Ticket
from tickets.selectors import page_of

PAGE_SIZE = 25


def _back(request: HttpRequest, ticket: Ticket) -> HttpResponseRedirect:
    """Back where the action came from (a same-site `next`), else the ticket."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(f"{ticket.get_absolute_url()}#followups-panel")


def _page(request: HttpRequest) -> int:
    value = request.GET.get("page", "")
    return max(int(value), 1) if value.isdigit() else 1


# --- promises ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def promise_create(request: HttpRequest, reference: str) -> HttpResponse:
    """Record a promise made to the customer ("refund by Friday"); GET gives
    the empty form for the ticket page's panel."""
    ticket = ticket_selectors.ticket_get_for_user(
        user=request.user, reference=reference
    )
    if request.method == "GET":
        context = {"ticket": ticket, "promise_form": forms.PromiseForm()}
        return render(request, "followups/_promise_form.html", context)
    form = forms.PromiseForm(request.POST)
    attempt(
        request,
        form,
        lambda: services.promise_create(
            ticket=ticket,
            kind=form.cleaned_data["kind"],
            what=form.cleaned_data["what"],
            due_at=form.cleaned_data["due_at"],
            actor=request.user,
        ),
        _("Promise recorded."),
    )
    return _back(request, ticket)


def _promise(request: HttpRequest, promise_id: int) -> Promise:
    return selectors.promise_get_for_user(user=request.user, promise_id=promise_id)


@login_required
@require_POST
def promise_keep(request: HttpRequest, promise_id: int) -> HttpResponse:
    """Mark a promise kept."""
    promise = _promise(request, promise_id)
    attempt(
        request,
        None,
        lambda: services.promise_keep(promise=promise, actor=request.user),
        _("Promise marked as kept."),
    )
    return _back(request, promise.ticket)


@login_required
@require_POST
def promise_withdraw(request: HttpRequest, promise_id: int) -> HttpResponse:
    """Withdraw a promise recorded by mistake or made moot."""
    promise = _promise(request, promise_id)
    attempt(
        request,
        None,
        lambda: services.promise_withdraw(promise=promise, actor=request.user),
        _("Promise withdrawn."),
    )
    return _back(request, promise.ticket)


@login_required
@require_POST
def promise_delay_notice(request: HttpRequest, promise_id: int) -> HttpResponse:
    """Send the prepared delay notice with a new date; renegotiates the promise."""
    promise = _promise(request, promise_id)
    form = forms.DelayNoticeForm(request.POST)
    attempt(
        request,
        form,
        lambda: services.promise_send_delay_notice(
            promise=promise,
            actor=request.user,
            new_due_at=form.cleaned_data["new_due_at"],
            explanation=form.cleaned_data["explanation"],
            keep_posted=form.cleaned_data["keep_posted"],
        ),
        _("Delay notice queued for sending; the promise has its new date."),
    )
    return _back(request, promise.ticket)


@login_required
@require_GET
def promise_overdue(request: HttpRequest) -> HttpResponse:
    """Broken promises on tickets still in play, latest first."""
    page = _page(request)
    qs = selectors.promise_overdue_for_user(user=request.user)
    promises, has_next = page_of(qs, page=page, size=PAGE_SIZE)
    context = {"promises": promises, "page": page, "has_next": has_next}
    return render(request, "followups/promise_overdue.html", context)


# --- follow-ups --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def followup_create(request: HttpRequest, reference: str) -> HttpResponse:
    """Schedule a follow-up on the ticket; GET gives the empty form for the
    ticket page's panel."""
    ticket = ticket_selectors.ticket_get_for_user(
        user=request.user, reference=reference
    )
    members = list(ticket_selectors.members_of_inbox(inbox=ticket.inbox))
    if request.method == "GET":
        context = {
            "ticket": ticket,
            "followup_form": forms.FollowUpForm(members=members),
        }
        return render(request, "followups/_followup_form.html", context)
    form = forms.FollowUpForm(request.POST, members=members)
    attempt(
        request,
        form,
        lambda: services.followup_schedule(
            ticket=ticket,
            kind=form.cleaned_data["kind"],
            due_at=form.cleaned_data["due_at"],
            owner=form.cleaned_owner(),
            channel=form.cleaned_data["channel"] or None,
            note=form.cleaned_data["note"],
            actor=request.user,
        ),
        _("Follow-up scheduled."),
    )
    return _back(request, ticket)


def _followup(request: HttpRequest, followup_id: int) -> FollowUp:
    return selectors.followup_get_for_user(user=request.user, followup_id=followup_id)


@login_required
@require_POST
def followup_snooze(request: HttpRequest, followup_id: int) -> HttpResponse:
    """Move a follow-up to a later time."""
    followup = _followup(request, followup_id)
    form = forms.SnoozeForm(request.POST)
    attempt(
        request,
        form,
        lambda: services.followup_snooze(
            followup=followup, actor=request.user, until=form.cleaned_data["until"]
        ),
        _("Follow-up snoozed."),
    )
    return _back(request, followup.ticket)


@login_required
@require_POST
def followup_complete(request: HttpRequest, followup_id: int) -> HttpResponse:
    """Mark a follow-up done (a phoned satisfaction check may carry a score)."""
    followup = _followup(request, followup_id)
    form = forms.CompleteForm(request.POST)
    attempt(
        request,
        form,
        lambda: services.followup_complete(
            followup=followup,
            actor=request.user,
            outcome=form.cleaned_data["outcome"],
            score=form.cleaned_data["score"],
        ),
        _("Follow-up done."),
    )
    return _back(request, followup.ticket)


@login_required
@require_POST
def followup_cancel(request: HttpRequest, followup_id: int) -> HttpResponse:
    """Cancel a follow-up that is no longer needed."""
    followup = _followup(request, followup_id)
    attempt(
        request,
        None,
        lambda: services.followup_cancel(followup=followup, actor=request.user),
        _("Follow-up cancelled."),
    )
    return _back(request, followup.ticket)


@login_required
@require_GET
def followup_mine(request: HttpRequest) -> HttpResponse:
    """My follow-ups: due and overdue ones, then the coming week's."""
    due = selectors.followup_due_for_owner(user=request.user)[:200]
    upcoming = selectors.followup_upcoming_for_owner(user=request.user)[:100]
    context = {
        "due": [with_row_forms(f) for f in due],
        "upcoming": [with_row_forms(f) for f in upcoming],
    }
    return render(request, "followups/followup_mine.html", context)


# --- notifications -----------------------------------------------------------


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's reminders, unread first in time order."""
    unread_only = request.GET.get("unread") == "1"
    page = _page(request)
    qs = selectors.notification_list_for_user(
        user=request.user, unread_only=unread_only
    )
    notifications, has_next = page_of(qs, page=page, size=PAGE_SIZE)
    context = {
        "notifications": notifications,
        "page": page,
        "has_next": has_next,
        "unread_only": unread_only,
        "unread_count": selectors.notification_unread_count(user=request.user),
    }
    return render(request, "followups/notification_list.html", context)


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    """Mark the chosen reminders read (all unread ones without a choice)."""
    form = forms.NotificationReadForm(request.POST)
    ids = form.cleaned_data["ids"] if form.is_valid() else []
    services.notification_mark_read(user=request.user, notification_ids=ids or None)
    return redirect("followups:notification-list")


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one reminder read and go to its ticket."""
    notification = (
        selectors.notification_list_for_user(user=request.user)
        .filter(pk=notification_id)
        .first()
    )
    if notification is None:
        return redirect("followups:notification-list")
    services.notification_mark_read(
        user=request.user, notification_ids=[notification.pk]
    )
    if notification.ticket_id:
        return redirect(f"{notification.ticket.get_absolute_url()}#followups-panel")
    return redirect("followups:notification-list")


# --- the customer's satisfaction page ----------------------------------------


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the question and records nothing (mail scanners open links);
    POST records the answer, changeable for a week."""
    try:
        followup = selectors.followup_get_by_survey_token(token)
    except mail.SurveyLinkInvalid as exc:
        return render(
            request,
            "followups/survey_invalid.html",
            {"reason": exc.reason, "message": exc.message},
            status=404,
        )
    ticket = followup.ticket
    language = mail.customer_language(ticket)
    with override(language):
        answer = selectors.satisfaction_answer_for(followup)
        changeable = answer_is_changeable(answer)
        initial = {"score": answer.score, "comment": answer.comment} if answer else None
        form = forms.SurveyForm(
            request.POST if request.method == "POST" else None, initial=initial
        )
        saved = False
        if request.method == "POST" and changeable and form.is_valid():
            try:
                answer = services.satisfaction_record(
                    followup=followup,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                    channel="link",
                )
                saved = True
            except DomainError as exc:
                form.add_error(None, exc.message)
        context = {
            "followup": followup,
            "ticket": ticket,
            "form": form,
            "answer": answer,
            "changeable": changeable,
            "saved": saved,
            "language": language,
        }
        response = render(request, "followups/survey.html", context)
    response["Content-Language"] = language
    # The page carries a personal link: keep it out of caches and referrers.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
