"""HTML for managers: the trends dashboard (with its change-event form) and
the post-mortem log with CSV export. Selectors read, services write; a user
who manages no inbox gets 403, an inbox they do not manage 404."""

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpdesk.exceptions import DomainError
from recovery import selectors as recovery_selectors
from recovery import services as recovery_services
from recovery.trends import charts, figures, forms, selectors, services
from tickets import selectors as ticket_selectors

LOG_PAGE_SIZE = 50
SESSION_INBOX = "trends_inbox"


def _managed(request: HttpRequest) -> list:
    inboxes = selectors.managed_inboxes(user=request.user)
    if not inboxes:
        raise PermissionDenied(_("Managers only."))
    return inboxes


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Heatmaps, agents, weekly lines with change events, money, recovery
    effectiveness and the spike list for the chosen inboxes and period."""
    inboxes = _managed(request)
    filters = forms.TrendFilterForm(request.GET or None, inboxes=inboxes)
    args = filters.scope_args()
    # Without a choice, the inbox chosen last time (if still managed).
    remembered = request.session.get(SESSION_INBOX)
    if not args.get("inbox") and remembered in {i.slug for i in inboxes} | {
        selectors.ALL_INBOXES
    }:
        args["inbox"] = remembered
    scope = selectors.trend_scope(user=request.user, **args)
    chosen = scope.single_inbox.slug if scope.single_inbox else selectors.ALL_INBOXES
    if remembered != chosen:
        request.session[SESSION_INBOX] = chosen
    # Show the filters as applied: the inbox chosen, the default period.
    shown = request.GET.copy()
    if not shown.get("inbox"):
        shown["inbox"] = chosen
    if not (shown.get("days") or shown.get("date_from") or shown.get("date_to")):
        shown["days"] = str(selectors.DEFAULT_DAYS)
    filters = forms.TrendFilterForm(shown, inboxes=inboxes)
    board = selectors.dashboard(scope=scope)
    fig = figures.Figures(board)
    change_form = forms.ChangeEventForm(inboxes=list(scope.inboxes))
    return render(
        request,
        "recovery/trends/dashboard.html",
        {
            "filters": filters,
            "scope": scope,
            "board": board,
            "fig": fig,
            "charts": charts.dashboard_charts(fig),
            "change_form": change_form,
            "query": request.GET.urlencode(),
            "thresholds": board.spikes.thresholds,
        },
    )


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return reverse("recovery:trends:dashboard")


@login_required
@require_POST
def change_event_create(request: HttpRequest) -> HttpResponse:
    """Record a change event from the dashboard's form."""
    form = forms.ChangeEventForm(request.POST, inboxes=_managed(request))
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else "")
        return redirect(_back(request))
    data = form.cleaned_data
    try:
        services.change_event_create(
            actor=request.user,
            inbox=data["inbox"],
            kind=data["kind"],
            title=data["title"],
            happened_at=data["happened_at"],
            component=data["component"],
            notes=data["notes"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Change event recorded."))
    return redirect(_back(request))


@login_required
@require_POST
def change_event_delete(request: HttpRequest, change_id: int) -> HttpResponse:
    """Remove a change event recorded by mistake."""
    change = selectors.change_event_get_for_user(user=request.user, change_id=change_id)
    services.change_event_delete(actor=request.user, change=change)
    messages.success(request, _("Change event removed."))
    return redirect(_back(request))


# --- the post-mortem log -----------------------------------------------------


@login_required
@require_POST
def prevention_done(request: HttpRequest, post_mortem_id: int) -> HttpResponse:
    """Mark a post-mortem's prevention action done (`done=1`) or open again
    (`done=0`), from the log or the case; members of the case's inbox."""
    post_mortem = selectors.post_mortem_get_for_member(
        user=request.user, post_mortem_id=post_mortem_id
    )
    done = request.POST.get("done", "1") == "1"
    try:
        recovery_services.post_mortem_prevention_done(
            post_mortem=post_mortem, actor=request.user, done=done
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Prevention action marked done.")
            if done
            else _("Prevention action open again."),
        )
    return redirect(_back(request))


def _log_context(request: HttpRequest) -> tuple[selectors.PostMortemFilters, dict]:
    inboxes = _managed(request)
    form = forms.PostMortemFilterForm(
        request.GET or None,
        inboxes=inboxes,
        owners=recovery_selectors.members_of_managed_inboxes(user=request.user),
    )
    return selectors.PostMortemFilters.from_params(request.GET), {"form": form}


@login_required
@require_GET
def post_mortem_log(request: HttpRequest) -> HttpResponse:
    """Every post-mortem of the managed inboxes: cause, component, prevention
    action, owner and due date; filter, search, export."""
    filters, context = _log_context(request)
    qs = selectors.post_mortem_list_for_manager(
        user=request.user, filters=filters
    ).prefetch_related("reminders")
    value = request.GET.get("page", "")
    page = min(max(int(value), 1), ticket_selectors.MAX_PAGE) if value.isdigit() else 1
    rows, has_next = ticket_selectors.page_of(qs, page=page, size=LOG_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    context |= {
        "rows": rows,
        "page": page,
        "has_next": has_next,
        "query": query.urlencode(),
        "today": timezone.localdate(),
    }
    return render(request, "recovery/trends/post_mortem_log.html", context)


CSV_COLUMNS = [
    "post_mortem",
    "case",
    "ticket",
    "inbox",
    "case_opened_at",
    "failure_type",
    "root_cause",
    "component",
    "preventable",
    "chain_of_events",
    "prevention_action",
    "prevention_owner",
    "prevention_due_date",
    "past_due",
    "reminded_at",
    "written_by",
    "written_at",
    "prevention_done_at",
]


class _Echo:
    """A file-like object that hands each written line back to the caller."""

    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    """A CSV cell that spreadsheets will not run as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _csv_rows(qs, today) -> Iterator[list[str]]:
    yield CSV_COLUMNS
    for pm in qs.iterator(chunk_size=500):
        reminded = max((r.created_at for r in pm.reminders.all()), default=None)
        case, ticket = pm.case, pm.case.ticket
        yield [
            _cell(v)
            for v in (
                pm.pk,
                case.pk,
                ticket.reference,
                ticket.inbox.slug,
                case.opened_at.isoformat(),
                case.failure_type,
                pm.root_cause,
                pm.component.name,
                "yes" if pm.is_preventable else "no",
                pm.chain_of_events,
                pm.prevention_action,
                pm.prevention_owner.get_username(),
                pm.prevention_due_date.isoformat(),
                "yes" if pm.is_prevention_overdue(today) else "no",
                reminded.isoformat() if reminded else "",
                pm.written_by.get_username() if pm.written_by else "",
                pm.created_at.isoformat(),
                pm.prevention_done_at.isoformat() if pm.prevention_done_at else "",
            )
        ]


@login_required
@require_GET
def post_mortem_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The post-mortem log as CSV, streamed, with the page's filters."""
    filters, _context = _log_context(request)
    qs = selectors.post_mortem_list_for_manager(
        user=request.user, filters=filters
    ).prefetch_related("reminders")
    writer = csv.writer(_Echo())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _csv_rows(qs, timezone.localdate())),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="post-mortems-{stamp}.csv"'
    return response
