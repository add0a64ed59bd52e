"""What the recovery panel on a ticket page shows: the case, its outlook,
the next step with its form, offers, broken-promise choices and history."""

from datetime import timedelta
from typing import Any

from django import forms as django_forms
from django.http import HttpRequest
from django.utils import timezone

from recovery import forms, selectors, texts
from recovery.models import Channel, ChoiceRequest, RecoveryCase
from recovery.views import DRAFT_KEY
from tickets import selectors as ticket_selectors
from tickets.models import Customer, Ticket

Status = RecoveryCase.Status

# The step each status leads to next, for the panel's heading.
NEXT_STEP = {
    Status.OPENED: "acknowledge",
    Status.ACKNOWLEDGED: "understand",
    Status.UNDERSTOOD: "resolve",
    Status.AWAITING_CUSTOMER: "awaiting",
    Status.ESCALATED: "escalated",
    Status.RESOLVED: "follow_up",
    Status.FOLLOWED_UP: "document",
    Status.DOCUMENTED: "close",
}


class _Drafts:
    """Binds a refused form again with what the user had typed."""

    def __init__(self, request: HttpRequest, case: RecoveryCase | None) -> None:
        draft = (
            request.session.pop(DRAFT_KEY, None)
            if hasattr(request, "session")
            else None
        )
        case_id = case.pk if case and case.is_open else None
        self.draft = draft if draft and draft.get("case") == case_id else None

    def form(self, cls: type[django_forms.Form], **kwargs: Any) -> django_forms.Form:
        return self.refused(cls, **kwargs) or cls(**kwargs)

    def refused(self, cls: type[django_forms.Form], **kwargs: Any):
        """The form bound to what was typed, if it was this one; else None."""
        name = cls.prefix or cls.__name__
        if self.draft and self.draft.get("form") == name:
            return cls(self.draft["data"], **kwargs)
        return None


def _steps(case: RecoveryCase) -> list[dict[str, Any]]:
    """The five steps (plus closing) as done, current or to do."""
    reached = {t.step: t.reached_at for t in selectors.case_timings(case)}
    current = case.escalated_from if case.status == Status.ESCALATED else case.status
    if current == Status.AWAITING_CUSTOMER:
        current = Status.UNDERSTOOD
    order = list(RecoveryCase.STEPS)
    index = order.index(current)
    return [
        {
            "status": step,
            "label": step.label,
            "state": "done" if i < index else "current" if i == index else "todo",
            "at": reached.get(step),
        }
        for i, step in enumerate(order)
    ]


def _currency(authority: selectors.Authority | None) -> str:
    return authority.membership.currency if authority else "EUR"


def panel_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """Everything the panel template needs for this ticket and user."""
    user = request.user
    case = selectors.case_for_ticket(ticket=ticket)
    drafts = _Drafts(request, case)
    context: dict[str, Any] = {"ticket": ticket, "case": case}
    if case is None or not case.is_open:
        # Empty, it loads when opened; a refused one comes back filled in.
        context["open_form"] = drafts.refused(forms.OpenCaseForm, ticket=ticket)
    if case is None:
        return context
    authority = selectors.authority_for(user=user, inbox_id=ticket.inbox_id)
    offers = list(case.offers.all())
    requests = list(case.choice_requests.all())
    context |= {
        "outlook": selectors.case_outlook(case),
        "steps": _steps(case),
        "next_step": NEXT_STEP.get(case.status),
        "events": list(selectors.case_event_list(case=case)),
        "offers": offers,
        "pending_offers": [o for o in offers if o.is_pending],
        "authority": authority,
        "checks": list(case.promise_checks.all()),
        "draft_request": next(
            (r for r in requests if r.status == ChoiceRequest.Status.DRAFT), None
        ),
        "sent_request": next(
            (r for r in requests if r.status == ChoiceRequest.Status.SENT), None
        ),
        "chosen_request": next(
            (r for r in reversed(requests) if r.status == ChoiceRequest.Status.CHOSEN),
            None,
        ),
        "now": timezone.now(),
    }
    if not case.is_open:
        return context
    context |= _step_forms(case, drafts, user, authority)
    context["offer_form"] = drafts.form(
        forms.OfferForm, initial={"currency": _currency(authority), "amount": "0.00"}
    )
    context["answer_form"] = forms.OfferAnswerForm()
    context["escalate_form"] = drafts.form(forms.EscalateForm)
    context["can_escalate"] = case.can_move_to(Status.ESCALATED)
    context["can_offer"] = case.status in RecoveryCase.OFFER_STATUSES
    if case.is_broken_promise:
        context["check_form"] = drafts.form(forms.CheckForm)
        context["options_form"] = drafts.form(
            forms.OptionsForm,
            initial={
                "currency": _currency(authority),
                "new_date": timezone.localdate() + timedelta(days=7),
            },
        )
        context["agent_choice_form"] = drafts.form(forms.AgentChoiceForm)
    return context


def _apology_channel(customer: Customer) -> str:
    return Channel.PHONE if customer.preferred_channel == "phone" else Channel.EMAIL


def _step_forms(
    case: RecoveryCase,
    drafts: _Drafts,
    user: Any,
    authority: selectors.Authority | None,
) -> dict[str, Any]:
    status = case.status
    if status == Status.OPENED:
        initial = {
            "text": texts.apology_draft(case=case, agent=user),
            "channel": _apology_channel(case.ticket.customer),
        }
        return {"step_form": drafts.form(forms.ApologyForm, initial=initial)}
    if status == Status.ACKNOWLEDGED:
        return {"step_form": drafts.form(forms.UnderstandForm)}
    if status == Status.UNDERSTOOD:
        return {"step_form": drafts.form(forms.ResolveForm)}
    if status == Status.RESOLVED:
        return {"step_form": drafts.form(forms.SatisfactionForm)}
    if status == Status.FOLLOWED_UP:
        members = list(ticket_selectors.members_of_inbox(inbox=case.ticket.inbox))
        return {
            "step_form": drafts.form(
                forms.PostMortemForm,
                members=members,
                initial={
                    "chain_of_events": case.chain_of_events,
                    "is_preventable": "yes" if case.is_preventable else "no",
                    "component": case.ticket.component_id,
                    "prevention_owner": user.pk,
                    "prevention_due_date": timezone.localdate() + timedelta(days=14),
                },
            )
        }
    if status in (Status.DOCUMENTED, Status.ESCALATED, Status.AWAITING_CUSTOMER):
        return {"step_form": forms.NoteForm()}
    return {}
