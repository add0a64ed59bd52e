"""Change events that managers record (releases, supplier, process and
staffing changes), drawn on the trend charts and tested for a rise in cases
after them; and the one reminder per overdue prevention action.

The models belong to the recovery app (`recovery/models.py` imports them)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CHANGE_KINDS = ("release", "supplier", "process", "staffing", "other")


class ChangeEvent(models.Model):
    """Something that changed on a given day and may change how often we fail."""

    class Kind(models.TextChoices):
        RELEASE = "release", _("Release")
        SUPPLIER = "supplier", _("Supplier change")
        PROCESS = "process", _("Process change")
        STAFFING = "staffing", _("Staffing change")
        OTHER = "other", _("Other")

    inbox = models.ForeignKey(
        "tickets.Inbox",
        on_delete=models.CASCADE,
        related_name="change_events",
        verbose_name=_("inbox"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    component = models.ForeignKey(
        "tickets.Component",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="change_events",
        verbose_name=_("product component"),
        help_text=_("Empty: the change concerns the whole inbox."),
    )
    title = models.CharField(_("title"), max_length=200)
    happened_at = models.DateTimeField(_("happened at"))
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        app_label = "recovery"
        ordering = ["-happened_at", "-id"]
        verbose_name = _("change event")
        verbose_name_plural = _("change events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=CHANGE_KINDS),
                name="change_event_kind_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["inbox", "happened_at"], name="change_event_inbox"),
        ]

    def __str__(self) -> str:
        return self.title


class PreventionReminder(models.Model):
    """The follow-up that reminded the owner of an overdue prevention action;
    one per post-mortem and due date, so a rerun reminds nobody twice."""

    post_mortem = models.ForeignKey(
        "recovery.PostMortem", on_delete=models.CASCADE, related_name="reminders"
    )
    due_date = models.DateField()
    # The follow-up (followups app) that carries the reminder; none when the
    # owner could not be reminded.
    followup_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "recovery"
        verbose_name = _("prevention reminder")
        verbose_name_plural = _("prevention reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["post_mortem", "due_date"], name="prevention_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder for post-mortem {self.post_mortem_id} ({self.due_date})"


class CaseFact(models.Model):
    """One narrow row per recovery case with what the trends need from its
    ticket and post-mortem, so the dashboard reads one table by inbox and
    time instead of joining three per case. Derived data: rewritten by
    `services.case_facts_refresh` (every minute for recent changes, nightly
    for all), never edited."""

    case = models.OneToOneField(
        "recovery.RecoveryCase",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    inbox = models.ForeignKey(
        "tickets.Inbox", on_delete=models.CASCADE, related_name="+"
    )
    ticket_id = models.BigIntegerField()
    customer_id = models.BigIntegerField()
    opened_at = models.DateTimeField()
    # When the complaint came in: the ticket's first message.
    arrived_at = models.DateTimeField()
    # The ticket's assignee, else the case's owner.
    agent_id = models.BigIntegerField(null=True)
    root_cause = models.CharField(max_length=16, blank=True)
    # The post-mortem's component, else the ticket's.
    component_id = models.BigIntegerField(null=True)
    # Earlier failures of the customer in 12 months, capped at 2 ("2 or more").
    prior = models.PositiveSmallIntegerField()
    score = models.PositiveSmallIntegerField(null=True)
    hours_to_acknowledge = models.FloatField(null=True)
    hours_to_resolve = models.FloatField(null=True)
    # Promises made on the case's ticket, by state.
    promises_kept = models.PositiveIntegerField(default=0)
    promises_broken = models.PositiveIntegerField(default=0)
    promises_open = models.PositiveIntegerField(default=0)
    # Local hour of the week of arrival (0 is Monday 0-1) and local Monday of
    # opening, in `zone` (the inbox's when written); the dashboard reads
    # them while the inbox still has that zone and works them out otherwise.
    zone = models.CharField(max_length=64, blank=True)
    arrived_how = models.PositiveSmallIntegerField(null=True)
    opened_week = models.DateField(null=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        app_label = "recovery"
        indexes = [
            models.Index(fields=["inbox", "opened_at"], name="case_fact_inbox_opened"),
            # "Customers without a case in the period": one probe per answer.
            models.Index(
                fields=["customer_id", "opened_at"], name="case_fact_customer"
            ),
        ]

    def __str__(self) -> str:
        return f"Facts of case {self.case_id}"


class TicketHour(models.Model):
    """Tickets that came in during one complete UTC hour, per inbox, local
    hour of the week and assignee, so a year of exposure is read from a few
    thousand rows instead of counted from every ticket. Derived data:
    rewritten by `services.ticket_hours_refresh`, never edited. An hour of an
    inbox whose offset is not whole hours has two rows per assignee."""

    inbox = models.ForeignKey(
        "tickets.Inbox", on_delete=models.CASCADE, related_name="+"
    )
    hour = models.DateTimeField()  # the UTC hour's start
    # Local hour of the week in `TicketHourMark.zone`: 0 is Monday 0-1.
    how = models.PositiveSmallIntegerField()
    assignee_id = models.BigIntegerField(null=True)
    tickets = models.PositiveIntegerField()
    complaints = models.PositiveIntegerField()

    class Meta:
        app_label = "recovery"
        indexes = [
            models.Index(fields=["inbox", "hour"], name="ticket_hour_inbox_hour"),
        ]

    def __str__(self) -> str:
        return f"Tickets of inbox {self.inbox_id} at {self.hour:%Y-%m-%d %H}:00"


class TicketHourMark(models.Model):
    """How far an inbox's ticket hours are complete, and the zone their local
    hours were counted in. Hours from `until` on, and every hour of an inbox
    whose zone has changed since, are counted from the tickets instead."""

    inbox = models.OneToOneField(
        "tickets.Inbox", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    zone = models.CharField(max_length=64)
    until = models.DateTimeField()
    refreshed_at = models.DateTimeField()

    class Meta:
        app_label = "recovery"

    def __str__(self) -> str:
        return f"Ticket hours of inbox {self.inbox_id} until {self.until}"
