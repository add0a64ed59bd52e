"""Forms of the agent interface: they parse input, the services decide."""

import zoneinfo
from functools import cache

from django import forms
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from tickets.models import Component, Membership, Ticket

Status = Ticket.Status


@cache
def _time_zone_choices() -> list[tuple[str, str]]:
    return [
        (name, name.replace("_", " "))
        for name in sorted(zoneinfo.available_timezones())
    ]


def member_label(user: AbstractBaseUser) -> str:
    """How a colleague is named in pickers: full name, else username."""
    return user.get_full_name() or user.get_username()


def _allowed_statuses(ticket: Ticket) -> list[tuple[str, str]]:
    allowed = Ticket.TRANSITIONS[ticket.status]
    return [(value, label) for value, label in Status.choices if value in allowed]


class ReplyForm(forms.Form):
    prefix = "reply"
    body_text = forms.CharField(
        label=_("Reply"),
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 7}),
    )
    # Any status is accepted so that the service, not the form, judges the
    # transition; the widget offers only the allowed ones.
    status_after = forms.ChoiceField(
        label=_("Status after sending"), required=False, choices=()
    )
    # "You will hear from me by ...": the owner is reminded ahead of it.
    next_update_at = forms.DateTimeField(
        label=_("Next update to the customer by"),
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    record_promise = forms.BooleanField(
        label=_("Record it as a promise"), required=False
    )

    def __init__(self, *args, ticket: Ticket, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["status_after"]
        keep = _("Keep “%(status)s”") % {"status": ticket.get_status_display()}
        field.choices = [("", keep), *Status.choices]
        offered = [c for c in _allowed_statuses(ticket) if c[0] != Status.NEW]
        field.widget.choices = [("", keep), *offered]
        waiting = Status.WAITING_CUSTOMER
        if waiting in Ticket.TRANSITIONS[ticket.status] or ticket.status == waiting:
            field.initial = waiting
        self.fields["body_text"].widget.attrs["placeholder"] = _(
            "Write to %(customer)s…"
        ) % {"customer": ticket.customer.name or ticket.customer.email}


class NoteForm(forms.Form):
    prefix = "note"
    body_text = forms.CharField(
        label=_("Internal note"),
        max_length=100_000,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": _("Only your team sees this note.")}
        ),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Move to"), choices=Status.choices)

    def __init__(self, *args, ticket: Ticket, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.choices = _allowed_statuses(ticket)


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label=_("Assignee"), coerce=int, empty_value=None, required=False, choices=()
    )

    def __init__(self, *args, ticket: Ticket, members: list[Membership], **kwargs):
        super().__init__(*args, **kwargs)
        self.users = {m.user_id: m.user for m in members}
        self.fields["assignee"].choices = [
            ("", _("Unassigned")),
            *((m.user_id, member_label(m.user)) for m in members),
        ]
        self.fields["assignee"].initial = ticket.assignee_id

    def cleaned_assignee(self) -> AbstractBaseUser | None:
        """The chosen member (None for "unassigned"); call after is_valid()."""
        user_id = self.cleaned_data["assignee"]
        return self.users[user_id] if user_id else None


class PropertiesForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Ticket.Priority.choices)
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("No category")), *Ticket.Category.choices],
    )
    component = forms.ModelChoiceField(
        label=_("Product component"),
        required=False,
        queryset=Component.objects.order_by("name"),
        empty_label=_("No component"),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separate tags with commas."),
        widget=forms.TextInput(attrs={"placeholder": _("refund, vip")}),
    )

    def __init__(self, *args, ticket: Ticket, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {
                "priority": ticket.priority,
                "category": ticket.category,
                "component": ticket.component_id,
                "tags": ", ".join(ticket.tags),
            },
        )
        super().__init__(*args, **kwargs)
        # A plain list: the field's own iterator would open a server-side
        # cursor, one more round trip for a handful of rows.
        field = self.fields["component"]
        field.choices = [
            ("", field.empty_label),
            *field.queryset.values_list("pk", "name"),
        ]

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",")]


class AwayForm(forms.Form):
    is_away = forms.BooleanField(required=False)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Follow the browser")), *settings.LANGUAGES],
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = _time_zone_choices()
