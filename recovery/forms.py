"""Forms of the recovery panel and the managers' and customers' pages: they
parse input, the services decide."""

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from recovery.models import (
    Attribution,
    Channel,
    ChoiceRequest,
    FailureType,
    Offer,
    PostMortem,
    PromiseCheck,
    RecoveryCase,
    Severity,
)
from tickets.forms import member_label
from tickets.models import Component, Membership, Ticket

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
# A ticket's category suggests the failure type of a new case.
CATEGORY_TO_FAILURE = {
    Ticket.Category.LATE_DELIVERY: FailureType.LATE_DELIVERY,
    Ticket.Category.BILLING: FailureType.BILLING_ERROR,
    Ticket.Category.DEFECT: FailureType.DEFECT,
    Ticket.Category.BROKEN_PROMISE: FailureType.BROKEN_PROMISE,
    Ticket.Category.CONDUCT: FailureType.STAFF_MISTAKE,
}


def _yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


def _text(label: str, *, rows: int = 3, required: bool = True, **attrs):
    return forms.CharField(
        label=label,
        required=required,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": rows, **attrs}),
    )


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OpenCaseForm(forms.Form):
    prefix = "open"
    failure_type = forms.ChoiceField(label=_("Failure type"), choices=FailureType)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity, widget=forms.RadioSelect
    )
    attribution = forms.ChoiceField(label=_("Whose side"), choices=Attribution)
    is_preventable = _yes_no(_("Could we have prevented it?"))
    is_foreseeable = _yes_no(_("Could the customer have foreseen it?"))
    summary = _text(
        _("What went wrong"),
        rows=2,
        required=False,
        placeholder=_("In one or two sentences."),
    )

    def __init__(self, *args, ticket: Ticket, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["failure_type"].initial = CATEGORY_TO_FAILURE.get(
            ticket.category, FailureType.OTHER
        )
        self.fields["severity"].initial = Severity.MINOR
        self.fields["attribution"].initial = Attribution.OURS


class ApologyForm(forms.Form):
    prefix = "apology"
    channel = forms.ChoiceField(
        label=_("How"),
        choices=[
            (Channel.EMAIL, _("Send by email")),
            (Channel.PHONE, _("I apologised on the phone")),
        ],
        widget=forms.RadioSelect,
        initial=Channel.EMAIL,
    )
    text = _text(_("Apology"), rows=11)


class UnderstandForm(forms.Form):
    prefix = "understand"
    customer_account = _text(
        _("The customer's account"),
        placeholder=_("What happened, in their words. Listen; do not judge."),
    )
    chain_of_events = _text(
        _("Chain of events"), placeholder=_("What happened on our side, in order.")
    )
    cause = _text(_("Cause as we see it"))
    fair_outcome = _text(
        _("What would the customer consider fair?"),
        rows=2,
        placeholder=_("Ask them: “What would you consider fair?”"),
    )


class ResolveForm(forms.Form):
    prefix = "resolve"
    solution = _text(
        _("Solution"),
        placeholder=_("What you did to put it right, and the extra mile."),
    )
    no_compensation_reason = _text(
        _("No compensation, because …"),
        rows=2,
        required=False,
        placeholder=_("Only when no offer was accepted."),
    )


class SatisfactionForm(forms.Form):
    prefix = "satisfaction"
    score = forms.TypedChoiceField(
        label=_("Satisfied with the solution? (1 = not at all, 5 = very)"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    channel = forms.ChoiceField(
        label=_("Answered by"),
        choices=[(Channel.PHONE, _("Phone")), (Channel.EMAIL, _("Email"))],
        initial=Channel.PHONE,
    )
    comment = _text(_("What they said"), rows=2, required=False)


class PostMortemForm(forms.Form):
    prefix = "postmortem"
    chain_of_events = _text(_("Chain of events"), rows=4)
    root_cause = forms.ChoiceField(
        label=_("Root-cause category"), choices=PostMortem.RootCause
    )
    component = forms.ModelChoiceField(
        label=_("Product component"),
        queryset=Component.objects.order_by("name"),
        empty_label=_("Choose…"),
    )
    is_preventable = _yes_no(_("Preventable?"))
    prevention_action = _text(_("Prevention action"), rows=2)
    prevention_owner = forms.TypedChoiceField(
        label=_("Owner of the action"), coerce=int, choices=()
    )
    prevention_due_date = forms.DateField(label=_("Due date"), widget=_date_input())

    def __init__(self, *args, members: list[Membership], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.users = {m.user_id: m.user for m in members}
        self.fields["prevention_owner"].choices = [
            (m.user_id, member_label(m.user)) for m in members
        ]

    def cleaned_owner(self) -> AbstractBaseUser | None:
        return self.users.get(self.cleaned_data["prevention_owner"])


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=4000)


class EscalateForm(forms.Form):
    prefix = "escalate"
    target = forms.CharField(
        label=_("Escalate to"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": _("A specialist group or a manager")}
        ),
    )
    reason = _text(_("Why"), rows=2)


class OfferForm(forms.Form):
    prefix = "offer"
    kind = forms.ChoiceField(label=_("Kind"), choices=Offer.Kind)
    amount = forms.DecimalField(
        label=_("Amount"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("0 for something without a price."),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(
            attrs={"placeholder": _("What exactly the customer gets")}
        ),
    )


class OfferAnswerForm(forms.Form):
    answer = forms.ChoiceField(label=_("Customer's answer"), choices=Offer.Answer)


class CheckForm(forms.Form):
    prefix = "check"
    kind = forms.ChoiceField(label=_("What was checked"), choices=PromiseCheck.Kind)
    outcome = _text(_("Outcome"), rows=2)
    can_keep = _yes_no(_("Can the promise be kept this way?"))


class OptionsForm(forms.Form):
    prefix = "options"
    new_date = forms.DateField(
        label=_("Wait: the new date for the original"), widget=_date_input()
    )
    alternative = _text(
        _("Alternative of better value"),
        rows=2,
        placeholder=_("What you offer instead, and why it is better for them."),
    )
    incentive_kind = forms.ChoiceField(
        label=_("Incentive with the alternative"),
        required=False,
        choices=[("", _("None")), *Offer.Kind.choices],
    )
    incentive_amount = forms.DecimalField(
        label=_("Incentive amount"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    incentive_description = forms.CharField(
        label=_("Incentive description"), required=False, max_length=2000
    )
    refund_amount = forms.DecimalField(
        label=_("Cancel: full refund"), min_value=0, max_digits=12, decimal_places=2
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)


class AgentChoiceForm(forms.Form):
    prefix = "choice"
    option = forms.ChoiceField(
        label=_("The customer chose"),
        choices=ChoiceRequest.Option,
        widget=forms.RadioSelect,
    )
    channel = forms.ChoiceField(
        label=_("Told us by"),
        choices=[(Channel.PHONE, _("Phone")), (Channel.EMAIL, _("Email"))],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=4000)


class CustomerChoiceForm(forms.Form):
    option = forms.ChoiceField(
        label=_("Your choice"), choices=ChoiceRequest.Option, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Anything you would like to add (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    note = forms.CharField(label=_("Reason or note"), required=False, max_length=4000)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("Give the reason for rejecting the offer."))
        return data


class LogFilterForm(forms.Form):
    inbox = forms.ChoiceField(label=_("Inbox"), required=False, choices=())
    agent = forms.ChoiceField(label=_("Agent"), required=False, choices=())
    failure_type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Any type")), *FailureType.choices],
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        required=False,
        choices=[("", _("Any severity")), *Severity.choices],
    )
    status = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("Any state")),
            ("open", _("Not closed")),
            *RecoveryCase.Status.choices,
        ],
    )
    opened_from = forms.DateField(
        label=_("Opened from"), required=False, widget=_date_input()
    )
    opened_to = forms.DateField(label=_("to"), required=False, widget=_date_input())

    def __init__(self, *args, inboxes: list, agents: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inbox"].choices = [
            ("", _("All inboxes")),
            *((i.slug, i.name) for i in inboxes),
        ]
        self.fields["agent"].choices = [
            ("", _("All agents")),
            *((str(u.pk), member_label(u)) for u in agents),
        ]
