"""Inboxes, their members, customers, tickets, messages and the outbox."""

import secrets
import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.notes import render_event_note

MONEY = {"max_digits": 12, "decimal_places": 2}


def _reply_token() -> str:
    return secrets.token_hex(8)


def _inbound_secret() -> str:
    return secrets.token_urlsafe(32)


class Inbox(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), unique=True)
    email_address = models.EmailField(_("email address"), unique=True)
    reference_prefix = models.CharField(
        _("reference prefix"),
        max_length=8,
        unique=True,
        help_text=_("Ticket references look like PREFIX-1042."),
    )
    expected_first_response = models.DurationField(
        _("expected first response"), default=timedelta(hours=8)
    )
    signature = models.TextField(_("signature"), blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    auto_assign = models.BooleanField(
        _("assign new tickets automatically"),
        default=False,
        help_text=_("Round robin among members who are not away and under their cap."),
    )
    last_ticket_number = models.PositiveIntegerField(default=1000, editable=False)
    max_attachment_bytes = models.PositiveBigIntegerField(
        _("largest attachment kept (bytes)"),
        default=10 * 1024 * 1024,
        help_text=_("Larger attachments are left out with a note in the message."),
    )
    inbound_secret = models.CharField(
        _("inbound secret"),
        max_length=64,
        default=_inbound_secret,
        help_text=_("Bearer token for posting raw mail to the inbound endpoint."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("inbox")
        verbose_name_plural = _("inboxes")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        AGENT = "agent", _("Agent")
        MANAGER = "manager", _("Manager")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    inbox = models.ForeignKey(
        Inbox, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.AGENT)
    # Compensation authority: what this member may grant without a manager.
    per_offer_limit_amount = models.DecimalField(
        _("per-offer limit"), default=Decimal("0.00"), **MONEY
    )
    per_month_limit_amount = models.DecimalField(
        _("per-month limit"), default=Decimal("0.00"), **MONEY
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    is_away = models.BooleanField(_("away"), default=False)
    open_ticket_cap = models.PositiveIntegerField(
        _("open-ticket cap"),
        null=True,
        blank=True,
        help_text=_(
            "Automatic assignment skips this member at the cap; empty = no cap."
        ),
    )
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["inbox", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "inbox"], name="membership_unique"),
            models.CheckConstraint(
                condition=models.Q(per_offer_limit_amount__gte=0)
                & models.Q(per_month_limit_amount__gte=0),
                name="membership_limits_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.inbox} ({self.role})"

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER


class AgentProfile(models.Model):
    """Per-user preferences of a staff member."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: follow the browser."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self) -> str:
        return str(self.user)


class Customer(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")

    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=8, choices=Channel, default=Channel.EMAIL
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "email"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="customer_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    def get_absolute_url(self) -> str:
        return reverse("tickets:customer-detail", args=[self.pk])


class Component(models.Model):
    """A product component a complaint concerns (for post-mortems and trends)."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product component")
        verbose_name_plural = _("product components")

    def __str__(self) -> str:
        return self.name


# Statuses in which a ticket still needs work (Meta cannot see class attributes).
ACTIVE_STATUSES = ("new", "open", "waiting_customer", "waiting_third_party")
ALL_STATUSES = (*ACTIVE_STATUSES, "resolved", "closed")


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        WAITING_CUSTOMER = "waiting_customer", _("Waiting on customer")
        WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting on third party")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Category(models.TextChoices):
        LATE_DELIVERY = "late_delivery", _("Late delivery")
        BILLING = "billing", _("Billing error")
        DEFECT = "defect", _("Defect")
        BROKEN_PROMISE = "broken_promise", _("Broken promise")
        CONDUCT = "conduct", _("Staff conduct")
        QUESTION = "question", _("Question")
        OTHER = "other", _("Other")

    # The one transition table for ticket status; services enforce it.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.NEW: frozenset(
            {
                Status.OPEN,
                Status.WAITING_CUSTOMER,
                Status.WAITING_THIRD_PARTY,
                Status.RESOLVED,
                Status.CLOSED,
            }
        ),
        Status.OPEN: frozenset(
            {
                Status.WAITING_CUSTOMER,
                Status.WAITING_THIRD_PARTY,
                Status.RESOLVED,
                Status.CLOSED,
            }
        ),
        Status.WAITING_CUSTOMER: frozenset(
            {Status.OPEN, Status.WAITING_THIRD_PARTY, Status.RESOLVED, Status.CLOSED}
        ),
        Status.WAITING_THIRD_PARTY: frozenset(
            {Status.OPEN, Status.WAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED}
        ),
        Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
        # Closed is final: a later customer message opens a new, linked ticket.
        Status.CLOSED: frozenset(),
    }
    ACTIVE_STATUSES = ACTIVE_STATUSES

    inbox = models.ForeignKey(Inbox, on_delete=models.PROTECT, related_name="tickets")
    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=24, unique=True, editable=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="tickets"
    )
    subject = models.CharField(_("subject"), max_length=300)
    status = models.CharField(
        _("status"), max_length=24, choices=Status, default=Status.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority, default=Priority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    category = models.CharField(
        _("category"), max_length=24, choices=Category, blank=True
    )
    component = models.ForeignKey(
        Component,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("product component"),
    )
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    linked_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="linked_tickets",
        help_text=_("An earlier ticket this one continues."),
    )
    reply_token = models.CharField(
        max_length=32, unique=True, default=_reply_token, editable=False
    )
    is_bulk = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(
                fields=["inbox", "number"], name="ticket_inbox_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ALL_STATUSES),
                name="ticket_status_valid",
            ),
        ]
        indexes = [
            # The lists sort by latest activity; active tickets get partial
            # indexes so "open in this inbox" and "mine and open" stay index scans.
            models.Index(
                fields=["inbox", "-updated_at", "-id"],
                name="ticket_active_inbox",
                condition=models.Q(status__in=ACTIVE_STATUSES),
            ),
            # The inbox is included so "mine" and "unassigned" are counted
            # and listed from the index alone, checked against memberships.
            models.Index(
                fields=["assignee", "-updated_at", "-id"],
                include=["inbox"],
                name="ticket_active_by_assignee",
                condition=models.Q(status__in=ACTIVE_STATUSES),
            ),
            models.Index(
                fields=["-updated_at", "-id"],
                name="ticket_active",
                condition=models.Q(status__in=ACTIVE_STATUSES),
            ),
            models.Index(
                fields=["inbox", "status", "-updated_at", "-id"],
                name="ticket_inbox_status_upd",
            ),
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated"),
            models.Index(fields=["customer", "-created_at"], name="ticket_customer"),
            GinIndex(fields=["tags"], name="ticket_tags_gin"),
            # Trends: tickets that came in per inbox and period, counted by
            # assignee and category from the index alone.
            models.Index(
                fields=["inbox", "created_at"],
                include=["assignee", "category"],
                name="ticket_inbox_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("tickets:ticket-detail", args=[self.reference])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]


class TicketEvent(models.Model):
    """Audit row: one per change of a ticket (who, what, when)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assignee changed")
        PRIORITY = "priority", _("Priority changed")
        CATEGORY = "category", _("Category changed")
        COMPONENT = "component", _("Component changed")
        TAGS = "tags", _("Tags changed")
        REPLIED = "replied", _("Reply sent")
        NOTED = "noted", _("Internal note added")
        DELIVERY = "delivery", _("Delivery state")
        RECEIVED = "received", _("Message received")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=16, choices=Kind)
    from_value = models.CharField(max_length=200, blank=True)
    to_value = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    note_code = models.CharField(max_length=64, blank=True)
    note_params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.from_value}->{self.to_value}"

    @property
    def note_text(self) -> str:
        """The note in the reader's language (system sentence, then text)."""
        return render_event_note(self)


class Message(models.Model):
    class Kind(models.TextChoices):
        INBOUND = "inbound", _("Customer message")
        REPLY = "reply", _("Reply")
        NOTE = "note", _("Internal note")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(max_length=8, choices=Kind)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author_customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_address = models.CharField(max_length=320, blank=True)
    to_addresses = ArrayField(
        models.CharField(max_length=320), default=list, blank=True
    )
    cc_addresses = ArrayField(
        models.CharField(max_length=320), default=list, blank=True
    )
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    # Sanitised before it is stored; templates may render it as safe.
    body_html = models.TextField(blank=True)
    # body_text has quoted history stripped; this keeps the whole text.
    body_quoted = models.TextField(
        blank=True, help_text=_("Full text with quoted history; empty if none.")
    )
    # Auto-replies we receive and acknowledgements we send.
    is_auto = models.BooleanField(default=False)
    # Email threading headers (ours for replies, the sender's for inbound mail).
    message_id = models.CharField(max_length=998, blank=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="message_thread"),
            # Threading looks up In-Reply-To/References among every stored id.
            models.Index(fields=["message_id"], name="message_message_id"),
            # Acknowledgements of the last hour, for the per-sender limit:
            # through tickets, a customer with thousands costs thousands of probes.
            models.Index(
                fields=["created_at"],
                name="message_auto_reply_time",
                condition=models.Q(kind="reply", is_auto=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"

    @property
    def is_note(self) -> bool:
        return self.kind == self.Kind.NOTE


def _attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=_attachment_path, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=200, default="application/octet-stream")
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class OutboundEmail(models.Model):
    """Outbox row: written with the business change, sent after commit."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    MAX_ATTEMPTS = 6

    message = models.OneToOneField(
        Message, on_delete=models.CASCADE, related_name="outbound"
    )
    status = models.CharField(max_length=8, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbound_due",
                condition=models.Q(status__in=["queued", "sending"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.status}"


class InboundEmail(models.Model):
    """One received email, stored raw before it is parsed; never deleted."""

    class Source(models.TextChoices):
        IMAP = "imap", _("IMAP")
        COMMAND = "command", _("Command")
        HTTP = "http", _("HTTP")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, not yet processed")
        PROCESSED = "processed", _("Processed")
        DUPLICATE = "duplicate", _("Duplicate")
        IGNORED = "ignored", _("Ignored (bounce or auto-reply)")
        QUARANTINED = "quarantined", _("Quarantined")

    class Outcome(models.TextChoices):
        TICKET_CREATED = "ticket_created", _("Ticket created")
        REPLY_THREADED = "reply_threaded", _("Reply threaded")
        AUTO_REPLY = "auto_reply", _("Auto-reply")
        BOUNCE = "bounce", _("Bounce")
        BULK = "bulk", _("Bulk mail, ticket created")

    inbox = models.ForeignKey(
        Inbox, on_delete=models.PROTECT, related_name="inbound_emails"
    )
    raw = models.BinaryField()
    source = models.CharField(max_length=8, choices=Source)
    received_at = models.DateTimeField(default=timezone.now)
    # From the header, or <sha256@hash> when the message has none.
    message_id = models.CharField(max_length=998)
    content_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status, default=Status.RECEIVED)
    outcome = models.CharField(max_length=16, choices=Outcome, blank=True)
    error = models.TextField(blank=True)
    # The message this email became (or, for a bounce, the one it reports).
    result_message = models.ForeignKey(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_emails",
    )
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_emails",
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        constraints = [
            # The same message delivered twice is stored once; a different
            # message reusing a Message-ID differs in its hash and is kept.
            models.UniqueConstraint(
                fields=["inbox", "message_id", "content_sha256"],
                name="inbound_email_unique_delivery",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "received_at"],
                name="inbound_pending",
                condition=models.Q(status__in=["received", "quarantined"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.status})"


class MailSource(models.Model):
    """An IMAP mailbox folder polled into an inbox. The password is stored
    encrypted; the UID state makes each message be taken once."""

    class TlsMode(models.TextChoices):
        SSL = "ssl", _("TLS from the start (IMAPS, usually port 993)")
        STARTTLS = "starttls", _("STARTTLS (usually port 143)")
        NONE = "none", _("None: plain text, only on a trusted network")

    class AfterImport(models.TextChoices):
        SEEN = "seen", _("Mark as read (\\Seen)")
        MOVE = "move", _("Move to a folder")
        DELETE = "delete", _("Delete from the server")

    inbox = models.ForeignKey(
        Inbox, on_delete=models.CASCADE, related_name="mail_sources"
    )
    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    tls_mode = models.CharField(
        _("encryption"), max_length=8, choices=TlsMode, default=TlsMode.SSL
    )
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    username = models.CharField(_("user name"), max_length=255)
    # Fernet token (tickets.mail.crypto); the plain secret is never stored.
    secret_encrypted = models.TextField(blank=True, editable=False)
    poll_interval = models.DurationField(
        _("poll interval"),
        default=timedelta(minutes=1),
        validators=[MinValueValidator(timedelta(minutes=1))],
        help_text=_("How often the mailbox is read, e.g. 00:05:00; at least a minute."),
    )
    after_import = models.CharField(
        _("after import"),
        max_length=8,
        choices=AfterImport,
        default=AfterImport.SEEN,
        help_text=_(
            "Done on the server once the message is safely stored, never before."
        ),
    )
    move_to_folder = models.CharField(
        _("move to folder"),
        max_length=255,
        blank=True,
        help_text=_("For “Move to a folder”; created if missing."),
    )
    is_enabled = models.BooleanField(_("enabled"), default=True)
    last_polled_at = models.DateTimeField(_("last poll"), null=True, blank=True)
    last_success_at = models.DateTimeField(
        _("last successful poll"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    # The folder's UIDVALIDITY and the highest UID taken under it.
    uid_validity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["inbox", "host", "username", "folder"]
        verbose_name = _("mail source")
        verbose_name_plural = _("mail sources")
        constraints = [
            # Two sources on one folder would import every message twice.
            models.UniqueConstraint(
                fields=["host", "port", "username", "folder"],
                name="mail_source_unique_folder",
            ),
            models.CheckConstraint(
                condition=models.Q(tls_mode__in=["ssl", "starttls", "none"]),
                name="mail_source_tls_mode_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(after_import__in=["seen", "move", "delete"]),
                name="mail_source_after_import_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(after_import="move") | ~models.Q(move_to_folder=""),
                name="mail_source_move_needs_folder",
                violation_error_message=_("Name the folder to move imported mail to."),
            ),
            models.CheckConstraint(
                condition=models.Q(port__gte=1, port__lte=65535),
                name="mail_source_port_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.host}/{self.folder}"

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted)

    def set_secret(self, secret: str) -> None:
        """Encrypt the password for storage (the caller saves the row)."""
        from tickets.mail.crypto import encrypt

        self.secret_encrypted = encrypt(secret)

    def get_secret(self) -> str:
        """The decrypted password; raises SecretUnreadable after a key change."""
        from tickets.mail.crypto import decrypt

        return decrypt(self.secret_encrypted)
