"""Forms of promises, follow-ups and the customer's satisfaction answer:
they parse input, the services decide."""

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from followups.models import FollowUp, Promise
from tickets.forms import member_label
from tickets.models import Membership


class LocalDateTimeInput(forms.DateTimeInput):
    """A datetime-local picker; the value is read in the user's time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _when(label: str, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, widget=LocalDateTimeInput()
    )


def _zone_hint() -> str:
    return _("Your time zone: %(zone)s") % {
        "zone": timezone.get_current_timezone_name()
    }


class PromiseForm(forms.Form):
    prefix = "promise"
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[c for c in Promise.Kind.choices if c[0] != "first_response"],
        initial=Promise.Kind.OTHER,
    )
    what = forms.CharField(
        label=_("What was promised"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("Refund of order 4711")}),
    )
    due_at = _when(_("Due"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due_at"].help_text = _zone_hint()


class DelayNoticeForm(forms.Form):
    prefix = "delay"
    new_due_at = _when(_("New realistic date"))
    explanation = forms.CharField(
        label=_("What happened (shown to the customer)"),
        max_length=4000,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": _(
                    "Honest and short: why it takes longer and what you are doing."
                ),
            }
        ),
    )
    keep_posted = forms.BooleanField(
        label=_("Promise updates until then"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_due_at"].help_text = _zone_hint()


class FollowUpForm(forms.Form):
    prefix = "followup"
    kind = forms.ChoiceField(
        label=_("Kind"), choices=FollowUp.Kind.choices, initial=FollowUp.Kind.CUSTOM
    )
    due_at = _when(_("Due"))
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("Customer's preferred")), *FollowUp.Channel.choices],
    )
    owner = forms.TypedChoiceField(
        label=_("Owner"), coerce=int, empty_value=None, required=False, choices=()
    )
    note = forms.CharField(
        label=_("What to do"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("Call about the invoice")}),
    )

    def __init__(self, *args, members: list[Membership], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.users = {m.user_id: m.user for m in members}
        self.fields["owner"].choices = [
            ("", _("The assignee")),
            *((m.user_id, member_label(m.user)) for m in members),
        ]
        self.fields["due_at"].help_text = _zone_hint()

    def cleaned_owner(self) -> AbstractBaseUser | None:
        user_id = self.cleaned_data["owner"]
        return self.users[user_id] if user_id else None


class SnoozeForm(forms.Form):
    until = _when(_("Snooze until"))


class CompleteForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=4000)
    score = forms.TypedChoiceField(
        label=_("Customer's score"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *((n, str(n)) for n in range(1, 6))],
    )


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with the solution?"),
        coerce=int,
        choices=[
            (5, _("5: very satisfied")),
            (4, _("4: satisfied")),
            (3, _("3: so-so")),
            (2, _("2: not satisfied")),
            (1, _("1: not at all satisfied")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class NotificationReadForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Any id parses; the service only touches the user's own rows.
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()
