"""Promises made to customers, scheduled follow-ups, satisfaction answers,
staff notifications and the per-inbox settings that drive them."""

import secrets
from datetime import time, timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from followups.worktime import BusinessHours
from helpdesk.notes import render_event_note, render_stored
from tickets.models import Inbox, Message, Ticket

# State values as plain tuples (Meta cannot see class attributes).
PROMISE_STATES = ("open", "at_risk", "renegotiated", "kept", "broken", "withdrawn")
PROMISE_ACTIVE = ("open", "at_risk", "renegotiated")
FOLLOWUP_STATES = ("scheduled", "due", "done", "cancelled")
FOLLOWUP_ACTIVE = ("scheduled", "due")
# Kinds of which a ticket has at most one active follow-up.
FOLLOWUP_SINGLETON_KINDS = ("satisfaction_check", "check_back", "update_customer")


def _nonce() -> str:
    return secrets.token_urlsafe(12)


def default_workdays() -> list[int]:
    return [0, 1, 2, 3, 4]  # Monday .. Friday


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def default_warning_windows() -> dict[str, dict]:
    """How long before its due time a promise counts as at risk, per kind;
    `working` windows count the inbox's business hours."""
    return {
        "first_response": {"hours": 4, "working": True},
        "next_update": {"hours": 2, "working": True},
        "callback": {"hours": 2, "working": True},
        "delivery": {"hours": 24, "working": False},
        "refund": {"hours": 24, "working": False},
        "resolution": {"hours": 8, "working": True},
        "other": {"hours": 4, "working": True},
    }


class InboxFollowupSettings(models.Model):
    """Promise warning windows and follow-up delays of one inbox."""

    inbox = models.OneToOneField(
        Inbox, on_delete=models.CASCADE, related_name="followup_settings"
    )
    warning_windows = models.JSONField(
        _("warning windows"),
        default=default_warning_windows,
        help_text=_(
            'Per promise kind: {"hours": 4, "working": true}. Working hours '
            "are the inbox's business hours below, in its time zone."
        ),
    )
    work_starts = models.TimeField(_("working day starts"), default=time(9, 0))
    work_ends = models.TimeField(_("working day ends"), default=time(17, 0))
    workdays = ArrayField(
        models.PositiveSmallIntegerField(choices=WEEKDAYS),
        default=default_workdays,
        verbose_name=_("working days"),
    )
    holidays = ArrayField(
        models.DateField(),
        default=list,
        blank=True,
        verbose_name=_("holidays"),
        help_text=_("Days without business hours, e.g. 2026-12-24,2026-12-25."),
    )
    satisfaction_delay = models.DurationField(
        _("satisfaction check after resolution"), default=timedelta(days=1)
    )
    check_back_delay = models.DurationField(
        _("check-back after resolution"), default=timedelta(days=4)
    )
    update_reminder_lead = models.DurationField(
        _("remind before an announced update"),
        default=timedelta(hours=1),
        help_text=_("How long before “you will hear from me by …” the owner is told."),
    )

    class Meta:
        verbose_name = _("follow-up settings")
        verbose_name_plural = _("follow-up settings")

    def __str__(self) -> str:
        return str(self.inbox)

    @property
    def business_hours(self) -> BusinessHours:
        return BusinessHours(
            starts=self.work_starts,
            ends=self.work_ends,
            workdays=frozenset(self.workdays),
            holidays=frozenset(self.holidays),
        )


class Promise(models.Model):
    """A commitment to a customer with a due time."""

    class Kind(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First response")
        NEXT_UPDATE = "next_update", _("Next update")
        CALLBACK = "callback", _("Callback")
        DELIVERY = "delivery", _("Delivery")
        REFUND = "refund", _("Refund")
        RESOLUTION = "resolution", _("Resolution")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        AT_RISK = "at_risk", _("At risk")
        RENEGOTIATED = "renegotiated", _("Renegotiated")
        KEPT = "kept", _("Kept")
        BROKEN = "broken", _("Broken")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # The one transition table of a promise; only services._set_promise_state
    # applies it. Renegotiated -> renegotiated is a second new date.
    TRANSITIONS: dict[str, frozenset[str]] = {
        State.OPEN: frozenset(
            {
                State.AT_RISK,
                State.RENEGOTIATED,
                State.KEPT,
                State.BROKEN,
                State.WITHDRAWN,
            }
        ),
        State.AT_RISK: frozenset(
            {State.RENEGOTIATED, State.KEPT, State.BROKEN, State.WITHDRAWN}
        ),
        State.RENEGOTIATED: frozenset(
            {
                State.AT_RISK,
                State.RENEGOTIATED,
                State.KEPT,
                State.BROKEN,
                State.WITHDRAWN,
            }
        ),
        State.KEPT: frozenset(),
        State.BROKEN: frozenset(),
        State.WITHDRAWN: frozenset(),
    }
    ACTIVE_STATES = PROMISE_ACTIVE
    # Answering the customer keeps these ("you will hear from me by ...").
    KEPT_BY_REPLY = (Kind.FIRST_RESPONSE, Kind.NEXT_UPDATE)

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="promises"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    what = models.CharField(_("what was promised"), max_length=300)
    to_whom = models.CharField(_("to whom"), max_length=200, blank=True)
    due_at = models.DateTimeField(_("due"))
    original_due_at = models.DateTimeField(_("first due"), editable=False)
    # From here on the promise counts as at risk (due_at minus the window).
    warn_at = models.DateTimeField(editable=False)
    state = models.CharField(
        _("state"), max_length=16, choices=State, default=State.OPEN
    )
    state_changed_at = models.DateTimeField(default=timezone.now)
    renegotiation_count = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The email that made it, e.g. the automatic acknowledgement.
    source_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    kept_at = models.DateTimeField(null=True, blank=True)
    broken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("promise")
        verbose_name_plural = _("promises")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=PROMISE_STATES), name="promise_state_valid"
            ),
            # One running "you will hear from me by" per ticket.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(kind="first_response", state__in=PROMISE_ACTIVE),
                name="promise_one_active_first_response",
            ),
        ]
        indexes = [
            models.Index(
                fields=["warn_at"],
                name="promise_warn",
                condition=Q(state__in=("open", "renegotiated")),
            ),
            models.Index(
                fields=["due_at"],
                name="promise_due",
                condition=Q(state__in=PROMISE_ACTIVE),
            ),
            models.Index(
                fields=["-broken_at", "-id"],
                name="promise_broken",
                condition=Q(state="broken"),
            ),
            models.Index(fields=["ticket", "due_at"], name="promise_ticket"),
            # The minute-by-minute refresh of the trend facts: promises kept
            # or broken lately.
            models.Index(fields=["state_changed_at"], name="promise_state_changed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.what}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    def can_move_to(self, state: str) -> bool:
        return state in self.TRANSITIONS[self.state]


class PromiseEvent(models.Model):
    """Audit row of a promise: state changes and every change of its due time."""

    promise = models.ForeignKey(
        Promise, on_delete=models.CASCADE, related_name="events"
    )
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    previous_due_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(blank=True)
    note_code = models.CharField(max_length=64, blank=True)
    note_params = models.JSONField(default=dict, blank=True)
    # The delay notice sent with a renegotiation.
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.promise_id} {self.from_state}->{self.to_state}"

    @property
    def note_text(self) -> str:
        """The note in the reader's language (system sentence, then text)."""
        return render_event_note(self)

    @property
    def changed_due(self) -> bool:
        return self.previous_due_at is not None and self.due_at != self.previous_due_at


class FollowUp(models.Model):
    """A scheduled duty towards a customer, done exactly once."""

    class Kind(models.TextChoices):
        SATISFACTION_CHECK = "satisfaction_check", _("Satisfaction check")
        CHECK_BACK = "check_back", _("Check-back")
        UPDATE_CUSTOMER = "update_customer", _("Update the customer")
        CUSTOM = "custom", _("Custom")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DUE = "due", _("Due")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    # The one transition table of a follow-up; due -> scheduled is a snooze.
    TRANSITIONS: dict[str, frozenset[str]] = {
        State.SCHEDULED: frozenset({State.DUE, State.DONE, State.CANCELLED}),
        State.DUE: frozenset({State.SCHEDULED, State.DONE, State.CANCELLED}),
        State.DONE: frozenset(),
        State.CANCELLED: frozenset(),
    }
    ACTIVE_STATES = FOLLOWUP_ACTIVE
    # Sent by the system from a template when due and the channel is email;
    # every other follow-up becomes a reminder for its owner.
    TEMPLATE_KINDS = (Kind.SATISFACTION_CHECK, Kind.CHECK_BACK)

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="followups"
    )
    # The recovery case this follow-up belongs to, if any.
    case_id = models.PositiveBigIntegerField(null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel, default=Channel.EMAIL
    )
    due_at = models.DateTimeField(_("due"))
    note = models.CharField(_("what to do"), max_length=500, blank=True)
    # A system sentence shown in the reader's language (helpdesk.notes).
    note_code = models.CharField(max_length=64, blank=True)
    note_params = models.JSONField(default=dict, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followups",
        verbose_name=_("owner"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State, default=State.SCHEDULED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Set by the dispatcher when it hands the row to a task; a claim older
    # than the dispatcher's timeout belongs to a dead worker and is retaken.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    fired_at = models.DateTimeField(null=True, blank=True, editable=False)
    # How late it fired when the dispatcher was down (None when on time).
    late_by = models.DurationField(null=True, blank=True, editable=False)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.TextField(_("outcome"), blank=True)
    # When the system did it ("Answered the customer."), in the reader's
    # language (helpdesk/notes.py).
    outcome_code = models.CharField(max_length=64, blank=True)
    outcome_params = models.JSONField(default=dict, blank=True)
    # The email the system sent for it.
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    snooze_count = models.PositiveSmallIntegerField(default=0)
    # Part of the signed survey link; replacing it voids the link.
    link_nonce = models.CharField(max_length=24, default=_nonce, editable=False)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=FOLLOWUP_STATES), name="followup_state_valid"
            ),
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=Q(
                    kind__in=FOLLOWUP_SINGLETON_KINDS, state__in=FOLLOWUP_ACTIVE
                ),
                name="followup_one_active_per_kind",
            ),
        ]
        indexes = [
            # The dispatcher's queue: scheduled rows by due time.
            models.Index(
                fields=["due_at"],
                name="followup_dispatch",
                condition=Q(state="scheduled"),
            ),
            models.Index(
                fields=["owner", "due_at"],
                name="followup_owner_active",
                condition=Q(state__in=FOLLOWUP_ACTIVE),
            ),
            models.Index(fields=["ticket", "due_at"], name="followup_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id} ({self.state})"

    @property
    def note_text(self) -> str:
        """What to do, in the reader's language."""
        return render_event_note(self)

    @property
    def outcome_text(self) -> str:
        """How it ended, in the reader's language."""
        return render_stored(self.outcome, self.outcome_code, self.outcome_params)

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def is_sent_by_system(self) -> bool:
        return self.channel == self.Channel.EMAIL and self.kind in self.TEMPLATE_KINDS

    def can_move_to(self, state: str) -> bool:
        return state in self.TRANSITIONS[self.state]


class FollowUpEvent(models.Model):
    """Audit row of a follow-up: state changes and snoozes."""

    followup = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, related_name="events"
    )
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    previous_due_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(blank=True)
    note_code = models.CharField(max_length=64, blank=True)
    note_params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.followup_id} {self.from_state}->{self.to_state}"

    @property
    def note_text(self) -> str:
        """The note in the reader's language (system sentence, then text)."""
        return render_event_note(self)


class SatisfactionAnswer(models.Model):
    """The customer's answer to one satisfaction check (changeable for a week)."""

    followup = models.OneToOneField(
        FollowUp, on_delete=models.CASCADE, related_name="satisfaction_answer"
    )
    score = models.PositiveSmallIntegerField(_("score (1-5)"))
    comment = models.TextField(_("comment"), blank=True)
    channel = models.CharField(max_length=8, default="link")
    answered_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(null=True, blank=True)
    change_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("satisfaction answer")
        verbose_name_plural = _("satisfaction answers")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="satisfaction_score_1_5"
            ),
        ]
        indexes = [
            # Trends: survey answers per period.
            models.Index(fields=["answered_at"], name="satisfaction_answered"),
        ]

    def __str__(self) -> str:
        return f"{self.score}/5 for follow-up {self.followup_id}"


class Notification(models.Model):
    """An in-app reminder for one staff member; each reminder exists once."""

    class Kind(models.TextChoices):
        PROMISE_AT_RISK = "promise_at_risk", _("Promise at risk")
        PROMISE_BROKEN = "promise_broken", _("Promise broken")
        FOLLOWUP_DUE = "followup_due", _("Follow-up due")
        SATISFACTION_LOW = "satisfaction_low", _("Customer not satisfied")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    # What this reminder is about, e.g. "promise:12:at_risk:<due>"; unique
    # per recipient so that a rerun of a scan reminds nobody twice.
    key = models.CharField(max_length=120)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    promise = models.ForeignKey(
        Promise, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    followup = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], name="notification_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at", "-id"], name="notification_list"
            ),
            models.Index(
                fields=["recipient"],
                name="notification_unread",
                condition=Q(read_at__isnull=True),
            ),
            models.Index(
                fields=["created_at"],
                name="notification_digest",
                condition=Q(read_at__isnull=True, emailed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
