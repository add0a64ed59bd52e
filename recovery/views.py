"""HTML for recovery: the case panel's actions on the ticket page, the
managers' approval queue and recovery log (with CSV export), and the
customer's choice page. Selectors read, one service call writes; a
DomainError becomes a message, never a 500."""

import csv
from collections.abc import Callable, Iterator
from functools import wraps

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpdesk.actions import attempt
from helpdesk.exceptions import DomainError
from recovery import forms, selectors, services
from recovery.links import ChoiceLinkInvalid
from recovery.models import Channel, ChoiceRequest, Offer, RecoveryCase
from recovery.texts import customer_language, customer_zone
from tickets import selectors as ticket_selectors
from tickets.models import Ticket

LOG_PAGE_SIZE = 50
DRAFT_KEY = "recovery_draft"


# --- shared helpers ----------------------------------------------------------


def _to_ticket(ticket: Ticket) -> HttpResponseRedirect:
    return redirect(ticket.get_absolute_url() + "#recovery")


def _keep_draft(request: HttpRequest, case_id: int | None, form: str) -> None:
    """Keep what was typed into a refused form, so the panel shows it again."""
    data = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    request.session[DRAFT_KEY] = {"case": case_id, "form": form, "data": data}


def case_action(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """A POST on a case the user may see (else 404). A posted `seen_status`
    is the state the user acted on: if the case moved since, the service
    refuses with a clear message instead of acting twice."""

    @login_required
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, case_id: int, **kwargs) -> HttpResponse:
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
        seen = request.POST.get("seen_status")
        if seen in RecoveryCase.Status.values:
            case.status = seen
        return view(request, case, **kwargs)

    return wrapper


def _step(
    request: HttpRequest,
    case: RecoveryCase,
    form: django_forms.Form,
    call: Callable[[], object],
    success: str,
) -> HttpResponse:
    if not attempt(request, form, call, success):
        _keep_draft(request, case.pk, form.prefix or type(form).__name__)
    return _to_ticket(case.ticket)


# --- opening and the five steps ----------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest, reference: str) -> HttpResponse:
    """Open a recovery case on a ticket the user may see; GET gives the empty
    form for the ticket page's panel."""
    ticket = ticket_selectors.ticket_get_for_user(
        user=request.user, reference=reference
    )
    if request.method == "GET":
        context = {"ticket": ticket, "open_form": forms.OpenCaseForm(ticket=ticket)}
        return render(request, "recovery/_open_form.html", context)
    form = forms.OpenCaseForm(request.POST, ticket=ticket)
    ok = attempt(
        request,
        form,
        lambda: services.case_open(
            ticket=ticket, actor=request.user, **form.cleaned_data
        ),
        _("Recovery case opened. Start with the apology."),
    )
    if not ok:
        _keep_draft(request, None, form.prefix)
    return _to_ticket(ticket)


@case_action
def case_acknowledge(request: HttpRequest, case: RecoveryCase) -> HttpResponse:
    """Send the apology by email, or record one given on the phone."""
    form = forms.ApologyForm(request.POST)
    email = request.POST.get("apology-channel") == Channel.EMAIL
    return _step(
        request,
        case,
        form,
        lambda: services.case_acknowledge(
            case=case, actor=request.user, **form.cleaned_data
        ),
        _("Apology sent to the customer.") if email else _("Apology recorded."),
    )


@case_action
def case_understand(request: HttpRequest, case: RecoveryCase) -> HttpResponse:
    """Record the customer's account and what the team found."""
    form = forms.UnderstandForm(request.POST)
    return _step(
        request,
        case,
        form,
        lambda: services.case_understand(
            case=case, actor=request.user, **form.cleaned_data
        ),
        _("Understanding recorded. Now solve it."),
    )


@case_action
def case_resolve(request: HttpRequest, case: RecoveryCase) -> HttpResponse:
    """Record the solution and the compensation decision."""
    form = forms.ResolveForm(request.POST)
    return _step(
        request,
        case,
        form,
        lambda: services.case_resolve(
            case=case, actor=request.user, **form.cleaned_data
        ),
        _("Case resolved."),
    )


@case_action
def case_satisfaction(request: HttpRequest, case: RecoveryCase) -> HttpResponse:
    """Record the customer's satisfaction answer given by phone or email."""
    form = forms.SatisfactionForm(request.POST)
    return _step(
        request,
        case,
        form,
        lambda: services.case_record_satisfaction(
            case=case, actor=request.user, **form.cleaned_data
        ),
        _("Satisfaction recorded."),
    )


@case_action
def case_document(request: HttpRequest, case: RecoveryCase) -> HttpResponse:
    """Write the post-mortem."""
    members = list(ticket_selectors.members_of_inbox(inbox=case.ticket.inbox))
    form = forms.PostMortemForm(request.POST, members=members)

    def call() -> object:
        data = dict(form.cleaned_data)
        data["prevention_owner"] = form.cleaned_owner()
        return services.case_document(case=case, actor=request.user, **data)

    return _step(request, case, form, call, _("Post-mortem written."))


@case_action
def case_close(request: HttpRequest, case: RecoveryCase) -> HttpResponse:
    """Close a documented case."""
    form = forms.NoteForm(request.POST)
    return _step(
        request,
        case,
        form,
        lambda: services.case_close(
            case=case, actor=request.user, note=form.cleaned_data["note"]
        ),
        _("Case closed."),
    )


@case_action
def case_escalate(request: HttpRequest, case: RecoveryCase) -> HttpResponse:
    """Hand the case to a specialist group or a manager."""
    form = forms.EscalateForm(request.POST)
    return _step(
        request,
        case,
        form,
        lambda: services.case_escalate(
            case=case, actor=request.user, **form.cleaned_data
        ),
        _("Case escalated."),
    )


@case_action
def case_return(request: HttpRequest, case: RecoveryCase) -> HttpResponse:
    """Take an escalated case back to where it was."""
    form = forms.NoteForm(request.POST)
    return _step(
        request,
        case,
        form,
        lambda: services.case_return(
            case=case, actor=request.user, note=form.cleaned_data["note"]
        ),
        _("The case is back."),
    )


# --- offers ------------------------------------------------------------------


@case_action
def offer_create(request: HttpRequest, case: RecoveryCase) -> HttpResponse:
    """Make an offer: approved at once within authority, else sent to managers."""
    form = forms.OfferForm(request.POST)
    made: list[Offer] = []

    def call() -> None:
        made.append(
            services.offer_create(case=case, actor=request.user, **form.cleaned_data)
        )

    if not attempt(request, form, call, _("Offer recorded.")):
        _keep_draft(request, case.pk, form.prefix)
    elif made[0].is_pending:
        messages.info(
            request,
            _("It needs a manager's approval: %(reason)s")
            % {"reason": made[0].approval_reason},
        )
    return _to_ticket(case.ticket)


def offer_action(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A POST on an offer the user may see (else 404)."""

    @login_required
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, offer_id: int) -> HttpResponse:
        offer = selectors.offer_get_for_user(user=request.user, offer_id=offer_id)
        return view(request, offer)

    return wrapper


@offer_action
def offer_answer(request: HttpRequest, offer: Offer) -> HttpResponse:
    """Record whether the customer accepted or declined an approved offer."""
    form = forms.OfferAnswerForm(request.POST)
    attempt(
        request,
        form,
        lambda: services.offer_answer(
            offer=offer, actor=request.user, answer=form.cleaned_data["answer"]
        ),
        _("Customer's answer recorded."),
    )
    return _to_ticket(offer.case.ticket)


@offer_action
def offer_withdraw(request: HttpRequest, offer: Offer) -> HttpResponse:
    """Withdraw a pending or unanswered offer."""
    attempt(
        request,
        None,
        lambda: services.offer_withdraw(offer=offer, actor=request.user),
        _("Offer withdrawn."),
    )
    return _to_ticket(offer.case.ticket)


# --- broken promises ---------------------------------------------------------


@case_action
def check_create(request: HttpRequest, case: RecoveryCase) -> HttpResponse:
    """Record what was checked to keep the promise anyway."""
    form = forms.CheckForm(request.POST)
    return _step(
        request,
        case,
        form,
        lambda: services.case_record_check(
            case=case, actor=request.user, **form.cleaned_data
        ),
        _("Check recorded."),
    )


@case_action
def options_prepare(request: HttpRequest, case: RecoveryCase) -> HttpResponse:
    """Build the options to put to the customer."""
    form = forms.OptionsForm(request.POST)
    return _step(
        request,
        case,
        form,
        lambda: services.case_prepare_options(
            case=case, actor=request.user, **form.cleaned_data
        ),
        _("Options prepared. Check them, then send them to the customer."),
    )


@case_action
def options_send(request: HttpRequest, case: RecoveryCase) -> HttpResponse:
    """Email the options with the customer's link."""
    attempt(
        request,
        None,
        lambda: services.case_send_options(case=case, actor=request.user),
        _("Options sent. The case waits for the customer's choice."),
    )
    return _to_ticket(case.ticket)


@case_action
def options_withdraw(request: HttpRequest, case: RecoveryCase) -> HttpResponse:
    """Withdraw the options sent; their link stops working."""
    form = forms.NoteForm(request.POST)
    return _step(
        request,
        case,
        form,
        lambda: services.case_withdraw_options(
            case=case, actor=request.user, note=form.cleaned_data["note"]
        ),
        _("Options withdrawn."),
    )


@case_action
def choice_record(request: HttpRequest, case: RecoveryCase) -> HttpResponse:
    """Record a choice the customer gave by phone or email."""
    form = forms.AgentChoiceForm(request.POST)
    sent = case.choice_requests.filter(status=ChoiceRequest.Status.SENT).first()
    if sent is None:
        messages.error(request, _("No options are waiting for the customer."))
        return _to_ticket(case.ticket)
    return _step(
        request,
        case,
        form,
        lambda: services.choice_record(
            request=sent, actor=request.user, **form.cleaned_data
        ),
        _("The customer's choice is recorded."),
    )


@case_action
def substitute_delivered(request: HttpRequest, case: RecoveryCase) -> HttpResponse:
    """Mark the chosen alternative as delivered."""
    attempt(
        request,
        None,
        lambda: services.case_mark_substitute_delivered(case=case, actor=request.user),
        _("Delivery of the alternative recorded."),
    )
    return _to_ticket(case.ticket)


# --- managers: approvals -----------------------------------------------------


@login_required
@require_GET
def approval_queue(request: HttpRequest) -> HttpResponse:
    """Offers waiting for this manager's decision, oldest first."""
    selectors.require_manager(user=request.user)
    offers = list(selectors.approval_queue_for_user(user=request.user)[:200])
    rows = [
        (
            offer,
            forms.DecisionForm(initial={"amount": offer.amount}, prefix=f"o{offer.pk}"),
        )
        for offer in offers
    ]
    return render(request, "recovery/approval_queue.html", {"rows": rows})


@login_required
@require_POST
def approval_decide(request: HttpRequest, offer_id: int) -> HttpResponse:
    """Approve (optionally for another amount) or reject with a reason."""
    offer = selectors.offer_get_for_manager(user=request.user, offer_id=offer_id)
    form = forms.DecisionForm(request.POST, prefix=f"o{offer.pk}")
    rejecting = request.POST.get(f"o{offer.pk}-decision") == "reject"

    def decide() -> Offer:
        data = form.cleaned_data
        if rejecting:
            return services.offer_reject(
                offer=offer, actor=request.user, reason=data["note"]
            )
        return services.offer_approve(
            offer=offer, actor=request.user, amount=data["amount"], note=data["note"]
        )

    maker = (offer.created_by.get_full_name() if offer.created_by else "") or _(
        "the agent"
    )
    done = (
        _("Offer rejected; %(agent)s will be told.")
        if rejecting
        else _("Offer approved; %(agent)s will be told.")
    )
    attempt(request, form, decide, done % {"agent": maker})
    return redirect("recovery:approvals")


# --- managers: the recovery log ----------------------------------------------


def _log_context(request: HttpRequest) -> tuple[selectors.CaseFilters, dict]:
    selectors.require_manager(user=request.user)
    filters = selectors.CaseFilters.from_params(request.GET)
    form = forms.LogFilterForm(
        request.GET or None,
        inboxes=list(selectors.managed_inboxes(user=request.user)),
        agents=selectors.members_of_managed_inboxes(user=request.user),
    )
    return filters, {"form": form}


@login_required
@require_GET
def case_log(request: HttpRequest) -> HttpResponse:
    """Every case of the managed inboxes with outlook, timings and offers."""
    filters, context = _log_context(request)
    qs = selectors.case_log_for_manager(user=request.user, filters=filters)
    value = request.GET.get("page", "")
    page = min(max(int(value), 1), ticket_selectors.MAX_PAGE) if value.isdigit() else 1
    cases, has_next = ticket_selectors.page_of(qs, page=page, size=LOG_PAGE_SIZE)
    rows = [
        {
            "case": case,
            "outlook": selectors.case_outlook(case),
            "timings": selectors.case_timings(case)[1:],
            "offers": list(case.offers.all()),
        }
        for case in cases
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context |= {
        "rows": rows,
        "page": page,
        "has_next": has_next,
        "query": query.urlencode(),
    }
    return render(request, "recovery/case_log.html", context)


CSV_COLUMNS = [
    "case",
    "ticket",
    "inbox",
    "customer",
    "failure_type",
    "severity",
    "attribution",
    "preventable",
    "foreseeable",
    "prior_failures_12_months",
    "outlook",
    "status",
    "owner",
    "opened_at",
    "acknowledged_at",
    "understood_at",
    "resolved_at",
    "followed_up_at",
    "documented_at",
    "closed_at",
    "hours_to_acknowledge",
    "hours_to_understand",
    "hours_to_resolve",
    "hours_to_follow_up",
    "hours_to_document",
    "hours_to_close",
    "offers",
    "approved_total",
    "pending_approvals",
    "satisfaction",
    "root_cause",
    "component",
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


def _csv_rows(qs) -> Iterator[list[str]]:
    yield CSV_COLUMNS
    for case in qs.iterator(chunk_size=500):
        offers = list(case.offers.all())
        approved: dict[str, object] = {}
        for offer in offers:
            if offer.status == Offer.Status.APPROVED:
                approved[offer.currency] = (
                    approved.get(offer.currency, 0) + offer.amount
                )
        timings = selectors.case_timings(case)
        hours = [
            f"{t.duration.total_seconds() / 3600:.1f}" if t.duration else ""
            for t in timings[1:]
        ]
        post_mortem = getattr(case, "post_mortem", None)
        yield [
            _cell(v)
            for v in [
                case.pk,
                case.ticket.reference,
                case.ticket.inbox.slug,
                case.ticket.customer.email,
                case.failure_type,
                case.severity,
                case.attribution,
                "yes" if case.is_preventable else "no",
                "yes" if case.is_foreseeable else "no",
                case.prior_failure_count,
                selectors.case_outlook(case).verdict,
                case.status,
                case.owner.get_username() if case.owner else "",
                *(t.reached_at.isoformat() if t.reached_at else "" for t in timings),
                *hours,
                "; ".join(
                    f"{o.kind} {o.amount} {o.currency} {o.status}"
                    + (f" {o.customer_answer}" if o.customer_answer else "")
                    for o in offers
                ),
                "; ".join(
                    f"{amount} {cur}" for cur, amount in sorted(approved.items())
                ),
                sum(1 for o in offers if o.status == Offer.Status.PENDING),
                case.satisfaction_score or "",
                post_mortem.root_cause if post_mortem else "",
                post_mortem.component.name if post_mortem else "",
            ]
        ]


@login_required
@require_GET
def case_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The recovery log as CSV, streamed, with the page's filters."""
    filters, _context = _log_context(request)
    qs = selectors.case_log_for_manager(
        user=request.user, filters=filters
    ).select_related("post_mortem__component")
    writer = csv.writer(_Echo())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _csv_rows(qs)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="recovery-log-{stamp}.csv"'
    return response


# --- the customer's choice ---------------------------------------------------


def _choice_closed(request: HttpRequest, exc: ChoiceLinkInvalid) -> HttpResponse:
    status = {"tampered": 404, "expired": 410}.get(exc.reason, 200)
    return render(
        request,
        "recovery/choice_page.html",
        {"closed": exc.message, "reason": exc.reason},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def customer_choice(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's options behind their signed link: GET only shows them
    (mail scanners open links), the POST with the form records the choice."""
    try:
        choice_request, nonce = selectors.choice_request_from_token(token)
    except ChoiceLinkInvalid as exc:
        response = _choice_closed(request, exc)
    else:
        customer = choice_request.case.ticket.customer
        with (
            translation.override(customer_language(customer)),
            timezone.override(customer_zone(customer)),
        ):
            response = _choice_page(request, choice_request, nonce, token)
    # The token must not leak to other sites or into search engines.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def _choice_page(
    request: HttpRequest, choice_request: ChoiceRequest, nonce: str, token: str
) -> HttpResponse:
    form = forms.CustomerChoiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.choice_record(
                request=choice_request,
                option=form.cleaned_data["option"],
                note=form.cleaned_data["note"],
                nonce=nonce,
            )
        except ChoiceLinkInvalid as exc:
            return _choice_closed(request, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("recovery:choice", token=token)
    case = choice_request.case
    context = {
        "form": form,
        "choice": choice_request,
        "customer": case.ticket.customer,
        "inbox": case.ticket.inbox,
        "offer": choice_request.incentive_offer,
    }
    return render(request, "recovery/choice_page.html", context)
