"""Recovery cases and everything recorded on them: audit events, compensation
offers and their approvals, broken-promise checks and customer choices, and
post-mortems."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.notes import render_event_note, render_stored
from tickets.models import Component, Message, Ticket

MONEY = {"max_digits": 12, "decimal_places": 2}

# Statuses as plain values (Meta cannot see class attributes).
CASE_STATUSES = (
    "opened",
    "acknowledged",
    "understood",
    "awaiting_customer",
    "escalated",
    "resolved",
    "followed_up",
    "documented",
    "closed",
)


class FailureType(models.TextChoices):
    LATE_DELIVERY = "late_delivery", _("Late delivery")
    BILLING_ERROR = "billing_error", _("Billing error")
    DEFECT = "defect", _("Defect")
    BROKEN_PROMISE = "broken_promise", _("Broken promise")
    STAFF_MISTAKE = "staff_mistake", _("Staff mistake")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class Attribution(models.TextChoices):
    OURS = "ours", _("Our side")
    THIRD_PARTY = "third_party", _("Third party")
    CUSTOMER_SIDE = "customer_side", _("Customer's side")


class Channel(models.TextChoices):
    """How the customer was reached, or how they answered."""

    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    LINK = "link", _("Link in an email")


class RecoveryCase(models.Model):
    class Status(models.TextChoices):
        OPENED = "opened", _("Opened")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        UNDERSTOOD = "understood", _("Understood")
        AWAITING_CUSTOMER = "awaiting_customer", _("Awaiting the customer's choice")
        ESCALATED = "escalated", _("Escalated")
        RESOLVED = "resolved", _("Resolved")
        FOLLOWED_UP = "followed_up", _("Followed up")
        DOCUMENTED = "documented", _("Documented")
        CLOSED = "closed", _("Closed")

    # The one transition table of a case; only services._set_status applies it.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.OPENED: frozenset({Status.ACKNOWLEDGED, Status.ESCALATED}),
        Status.ACKNOWLEDGED: frozenset({Status.UNDERSTOOD, Status.ESCALATED}),
        Status.UNDERSTOOD: frozenset(
            {Status.RESOLVED, Status.AWAITING_CUSTOMER, Status.ESCALATED}
        ),
        # The customer's choice (or withdrawn options) hands the case back.
        Status.AWAITING_CUSTOMER: frozenset({Status.UNDERSTOOD}),
        # Back to where it was escalated from.
        Status.ESCALATED: frozenset(
            {
                Status.OPENED,
                Status.ACKNOWLEDGED,
                Status.UNDERSTOOD,
                Status.RESOLVED,
            }
        ),
        Status.RESOLVED: frozenset({Status.FOLLOWED_UP, Status.ESCALATED}),
        Status.FOLLOWED_UP: frozenset({Status.DOCUMENTED}),
        Status.DOCUMENTED: frozenset({Status.CLOSED}),
        Status.CLOSED: frozenset(),
    }
    # The five steps in order, for progress display and timings.
    STEPS = (
        Status.OPENED,
        Status.ACKNOWLEDGED,
        Status.UNDERSTOOD,
        Status.RESOLVED,
        Status.FOLLOWED_UP,
        Status.DOCUMENTED,
        Status.CLOSED,
    )
    # Offers may be made until the case is resolved.
    OFFER_STATUSES = frozenset(
        {
            Status.OPENED,
            Status.ACKNOWLEDGED,
            Status.UNDERSTOOD,
            Status.AWAITING_CUSTOMER,
            Status.ESCALATED,
        }
    )

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="recovery_cases"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_recovery_cases",
        verbose_name=_("owner"),
        help_text=_("The agent running the case; told when the customer chooses."),
    )
    failure_type = models.CharField(
        _("failure type"), max_length=24, choices=FailureType
    )
    severity = models.CharField(_("severity"), max_length=12, choices=Severity)
    attribution = models.CharField(_("attribution"), max_length=16, choices=Attribution)
    is_preventable = models.BooleanField(_("could we have prevented it?"))
    is_foreseeable = models.BooleanField(_("could the customer have foreseen it?"))
    summary = models.TextField(_("what went wrong"), blank=True)
    # Earlier cases of this customer in the 12 months before opening.
    prior_failure_count = models.PositiveSmallIntegerField(default=0, editable=False)

    status = models.CharField(
        _("status"), max_length=24, choices=Status, default=Status.OPENED
    )
    status_changed_at = models.DateTimeField(default=timezone.now)

    escalated_from = models.CharField(max_length=24, choices=Status, blank=True)
    escalation_target = models.CharField(_("escalated to"), max_length=200, blank=True)
    escalation_reason = models.TextField(_("reason for escalating"), blank=True)

    apology_channel = models.CharField(
        _("apology channel"), max_length=8, choices=Channel, blank=True
    )
    apology_text = models.TextField(_("apology"), blank=True)
    apology_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    customer_account = models.TextField(_("the customer's account"), blank=True)
    chain_of_events = models.TextField(_("chain of events"), blank=True)
    cause = models.TextField(_("cause as we see it"), blank=True)
    fair_outcome = models.TextField(
        _("what the customer would consider fair"), blank=True
    )

    solution = models.TextField(_("solution"), blank=True)
    no_compensation_reason = models.TextField(_("no compensation, because"), blank=True)

    satisfaction_score = models.PositiveSmallIntegerField(
        _("satisfaction (1-5)"), null=True, blank=True
    )
    satisfaction_comment = models.TextField(_("satisfaction comment"), blank=True)
    satisfaction_channel = models.CharField(
        _("satisfaction answered by"), max_length=8, choices=Channel, blank=True
    )

    substitute_delivered_at = models.DateTimeField(null=True, blank=True)

    # First time the case reached each step (timings in the recovery log).
    opened_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    understood_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    followed_up_at = models.DateTimeField(null=True, blank=True)
    documented_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("recovery case")
        verbose_name_plural = _("recovery cases")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=~Q(status="closed"),
                name="recovery_one_open_case_per_ticket",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CASE_STATUSES), name="recovery_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(satisfaction_score__isnull=True)
                | Q(satisfaction_score__gte=1, satisfaction_score__lte=5),
                name="recovery_satisfaction_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["-opened_at", "-id"], name="recovery_case_opened"),
            models.Index(fields=["status", "-opened_at"], name="recovery_case_status"),
            # The minute-by-minute refresh of the trend facts: cases that moved.
            models.Index(fields=["status_changed_at"], name="case_status_changed"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_failure_type_display()} ({self.status})"

    def get_absolute_url(self) -> str:
        return self.ticket.get_absolute_url() + "#recovery"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def is_broken_promise(self) -> bool:
        return self.failure_type == FailureType.BROKEN_PROMISE

    @property
    def can_close(self) -> bool:
        """Closing needs the post-mortem (and the documented step)."""
        return self.status == self.Status.DOCUMENTED and hasattr(self, "post_mortem")

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]


class CaseEvent(models.Model):
    """Audit row: every change on a case, its offers and its choices."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status changed")
        OFFER_MADE = "offer_made", _("Offer made")
        OFFER_APPROVED = "offer_approved", _("Offer approved")
        OFFER_REJECTED = "offer_rejected", _("Offer rejected")
        OFFER_WITHDRAWN = "offer_withdrawn", _("Offer withdrawn")
        OFFER_ANSWERED = "offer_answered", _("Customer answered an offer")
        CHECK = "check", _("Promise check recorded")
        OPTIONS_PREPARED = "options_prepared", _("Options prepared")
        CHOICE = "choice", _("Customer chose")
        SUBSTITUTE_DELIVERED = "substitute_delivered", _("Substitute delivered")
        PREVENTION_DONE = "prevention_done", _("Prevention action done")
        PREVENTION_REOPENED = "prevention_reopened", _("Prevention action reopened")

    case = models.ForeignKey(
        RecoveryCase, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=24, choices=Kind, default=Kind.STATUS)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    offer = models.ForeignKey(
        "Offer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    note_code = models.CharField(max_length=64, blank=True)
    note_params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="recovery_event_case")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.from_status}->{self.to_status}"

    @property
    def note_text(self) -> str:
        """The note in the reader's language (system sentence, then text)."""
        return render_event_note(self)


class Offer(models.Model):
    """Compensation offered on a case, approved within the maker's authority
    or by a manager of the inbox."""

    class Kind(models.TextChoices):
        REFUND = "refund", _("Refund")
        CREDIT = "credit", _("Credit")
        DISCOUNT = "discount", _("Discount")
        FREE_UPGRADE = "free_upgrade", _("Free upgrade")
        WAIVED_FEE = "waived_fee", _("Waived fee")
        REPLACEMENT = "replacement", _("Replacement")
        GIFT = "gift", _("Gift")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Answer(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    case = models.ForeignKey(
        RecoveryCase, on_delete=models.CASCADE, related_name="offers"
    )
    # The case's inbox, kept here for the approval queue and month spend.
    inbox = models.ForeignKey(
        "tickets.Inbox", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    requested_amount = models.DecimalField(_("amount asked for"), **MONEY)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status, default=Status.PENDING
    )
    # Approved at once under the maker's own per-offer and per-month limits.
    is_within_authority = models.BooleanField(default=False)
    approval_reason = models.TextField(_("why it needs approval"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="recovery_offers",
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("reason"), blank=True)
    # A system sentence before the reason ("Amount changed from ... to ..."),
    # shown in the reader's language (helpdesk/notes.py).
    decision_code = models.CharField(max_length=64, blank=True)
    decision_params = models.JSONField(default=dict, blank=True)
    customer_answer = models.CharField(
        _("customer's answer"), max_length=8, choices=Answer, blank=True
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # Claimed by the notification tasks so each email goes out once.
    managers_notified_at = models.DateTimeField(null=True, blank=True)
    maker_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(requested_amount__gte=0),
                name="offer_amount_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "approved", "rejected", "withdrawn"]
                ),
                name="offer_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_note=""),
                name="offer_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(customer_answer="") | Q(status="approved"),
                name="offer_answered_only_when_approved",
            ),
        ]
        indexes = [
            models.Index(
                fields=["inbox", "created_at"],
                name="offer_pending_queue",
                condition=Q(status="pending"),
            ),
            models.Index(
                fields=["created_by", "inbox", "currency", "decided_at"],
                name="offer_month_spend",
                condition=Q(status="approved", is_within_authority=True),
            ),
            # Trends: compensation decided per inbox and period.
            models.Index(
                fields=["inbox", "decided_at"],
                name="offer_inbox_decided",
                condition=Q(status__in=["approved", "rejected"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_amended(self) -> bool:
        return self.amount != self.requested_amount

    @property
    def decision_text(self) -> str:
        """The decision's note in the reader's language."""
        return render_stored(
            self.decision_note, self.decision_code, self.decision_params
        )


class PromiseCheck(models.Model):
    """What was tried to keep a promise anyway, before offering choices."""

    class Kind(models.TextChoices):
        OTHER_STOCK = "other_stock", _("Other stock or locations")
        SUPPLIER = "supplier", _("Supplier")
        SPECIAL_DELIVERY = "special_delivery", _("Special delivery")
        SPECIALIST = "specialist", _("Specialist escalation team")
        OTHER = "other", _("Other")

    case = models.ForeignKey(
        RecoveryCase, on_delete=models.CASCADE, related_name="promise_checks"
    )
    kind = models.CharField(_("what was checked"), max_length=20, choices=Kind)
    outcome = models.TextField(_("outcome"))
    can_keep = models.BooleanField(_("the promise can be kept this way"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["checked_at", "id"]
        verbose_name = _("promise check")
        verbose_name_plural = _("promise checks")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on case {self.case_id}"


class ChoiceRequest(models.Model):
    """The options put to the customer of a broken promise, and their choice."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Prepared")
        SENT = "sent", _("Sent to the customer")
        CHOSEN = "chosen", _("Chosen")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Option(models.TextChoices):
        WAIT = "wait", _("Wait for the original")
        ALTERNATIVE = "alternative", _("Take the alternative")
        CANCEL = "cancel", _("Cancel with a full refund")

    case = models.ForeignKey(
        RecoveryCase, on_delete=models.CASCADE, related_name="choice_requests"
    )
    status = models.CharField(max_length=12, choices=Status, default=Status.DRAFT)
    new_date = models.DateField(_("new date for the original"))
    alternative = models.TextField(_("alternative of better value"))
    incentive_offer = models.OneToOneField(
        Offer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="choice_request",
        verbose_name=_("incentive with the alternative"),
    )
    # Refunding what the customer paid is not compensation: no authority check.
    refund_amount = models.DecimalField(_("full refund"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    # Part of every link; replaced when the request is answered or withdrawn,
    # which voids the links already sent.
    nonce = models.CharField(max_length=32, editable=False)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    prepared_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    chosen_option = models.CharField(max_length=12, choices=Option, blank=True)
    chosen_at = models.DateTimeField(null=True, blank=True)
    chosen_channel = models.CharField(max_length=8, choices=Channel, blank=True)
    # Set when an agent records a choice given by phone or email.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    customer_note = models.TextField(_("customer's note"), blank=True)
    owner_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["prepared_at", "id"]
        verbose_name = _("choice request")
        verbose_name_plural = _("choice requests")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["draft", "sent"]),
                name="choice_one_pending_per_case",
            ),
            models.CheckConstraint(
                condition=~Q(status="chosen") | ~Q(chosen_option=""),
                name="choice_chosen_has_option",
            ),
            models.CheckConstraint(
                condition=Q(refund_amount__gte=0), name="choice_refund_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Options for case {self.case_id} ({self.status})"


class PostMortem(models.Model):
    """What went wrong and what will prevent it; required to document a case."""

    class RootCause(models.TextChoices):
        PROCESS = "process", _("Process")
        PEOPLE = "people", _("People and training")
        SYSTEM = "system", _("System or software")
        PARTNER = "partner", _("Supplier or partner")
        CAPACITY = "capacity", _("Capacity and planning")
        COMMUNICATION = "communication", _("Communication")
        POLICY = "policy", _("Policy")
        OTHER = "other", _("Other")

    case = models.OneToOneField(
        RecoveryCase, on_delete=models.CASCADE, related_name="post_mortem"
    )
    chain_of_events = models.TextField(_("chain of events"))
    root_cause = models.CharField(
        _("root-cause category"), max_length=16, choices=RootCause
    )
    component = models.ForeignKey(
        Component,
        on_delete=models.PROTECT,
        related_name="post_mortems",
        verbose_name=_("product component"),
    )
    is_preventable = models.BooleanField(_("preventable?"))
    prevention_action = models.TextField(_("prevention action"))
    prevention_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="prevention_actions",
        verbose_name=_("owner of the prevention action"),
    )
    prevention_due_date = models.DateField(_("prevention due date"))
    # Set when the prevention action is done: it is no longer overdue and
    # nobody is reminded of it. Only services.post_mortem_prevention_done
    # writes it.
    prevention_done_at = models.DateTimeField(
        _("prevention action done at"), null=True, blank=True
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("post-mortem")
        verbose_name_plural = _("post-mortems")
        indexes = [
            # The minute-by-minute refresh of the trend facts: new post-mortems.
            models.Index(fields=["created_at"], name="postmortem_created"),
        ]

    def __str__(self) -> str:
        return f"Post-mortem of case {self.case_id}"

    @property
    def is_prevention_done(self) -> bool:
        return self.prevention_done_at is not None

    def is_prevention_overdue(self, today: date) -> bool:
        """Past its due date on `today` (the inbox's date) and not done."""
        return not self.is_prevention_done and self.prevention_due_date < today


from recovery.trends.models import (  # noqa: E402, F401 - trends models belong here
    CaseFact,
    ChangeEvent,
    PreventionReminder,
    TicketHour,
    TicketHourMark,
)
