"""Forms of the trends pages: the dashboard's filters, a change event, and
the post-mortem log's filters."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recovery.models import PostMortem
from recovery.trends.models import ChangeEvent
from recovery.trends.selectors import (
    ALL_INBOXES,
    DEFAULT_DAYS,
    PERIOD_CHOICES,
    zone_of,
)
from tickets.models import Component, Inbox

PERIOD_LABELS = {
    30: _("Last 30 days"),
    90: _("Last 90 days"),
    180: _("Last 6 months"),
    365: _("Last 12 months"),
}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


class TrendFilterForm(forms.Form):
    inbox = forms.ChoiceField(label=_("Inbox"), required=False, choices=())
    days = forms.TypedChoiceField(
        label=_("Period"),
        required=False,
        coerce=int,
        empty_value=None,
        initial=DEFAULT_DAYS,
        choices=[(d, PERIOD_LABELS[d]) for d in PERIOD_CHOICES],
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=_date_input())
    date_to = forms.DateField(label=_("To"), required=False, widget=_date_input())

    def __init__(self, *args, inboxes: list[Inbox], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inbox"].choices = [
            *((i.slug, i.name) for i in inboxes),
            (ALL_INBOXES, _("All inboxes I manage")),
        ]

    def scope_args(self) -> dict:
        """What `trend_scope` takes; an invalid period falls back to the
        default, an inbox the user does not manage goes on (to a 404)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return {
            "inbox": self.data.get("inbox") or None,
            "days": data.get("days"),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


class ChangeEventForm(forms.Form):
    inbox = forms.ModelChoiceField(label=_("Inbox"), queryset=Inbox.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=ChangeEvent.Kind.choices)
    component = forms.ModelChoiceField(
        label=_("Component"),
        queryset=Component.objects.all(),
        required=False,
        empty_label=_("Whole inbox"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    happened_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("In the inbox's time zone."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, inboxes: list[Inbox], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inbox"].queryset = Inbox.objects.filter(
            pk__in=[i.pk for i in inboxes]
        )
        if len(inboxes) == 1:
            self.fields["inbox"].initial = inboxes[0].pk

    def clean(self) -> dict:
        data = super().clean()
        inbox, moment = data.get("inbox"), data.get("happened_at")
        if inbox and moment:
            # The browser sends wall-clock time; read it in the inbox's zone.
            naive = timezone.make_naive(moment) if timezone.is_aware(moment) else moment
            data["happened_at"] = datetime.combine(
                naive.date(), naive.time(), ZoneInfo(zone_of(inbox))
            )
        return data


class PostMortemFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Action, chain of events, ref")}
        ),
    )
    inbox = forms.ChoiceField(label=_("Inbox"), required=False, choices=())
    root_cause = forms.ChoiceField(
        label=_("Root cause"),
        required=False,
        choices=[("", _("Any cause")), *PostMortem.RootCause.choices],
    )
    component = forms.ModelChoiceField(
        label=_("Component"),
        queryset=Component.objects.all(),
        required=False,
        empty_label=_("Any component"),
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False, choices=())
    overdue = forms.BooleanField(label=_("Past due only"), required=False)

    def __init__(self, *args, inboxes: list[Inbox], owners: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inbox"].choices = [
            ("", _("All inboxes")),
            *((i.slug, i.name) for i in inboxes),
        ]
        self.fields["owner"].choices = [
            ("", _("Any owner")),
            *((str(u.pk), _person(u)) for u in owners),
        ]
