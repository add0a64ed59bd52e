"""Reads for the quarantine: inbound mail the intake set aside, visible to the
managers of its inbox (and to staff members of it), with sender and subject
read best-effort from the first bytes of the raw message."""

from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import BinaryField, Exists, F, Func, OuterRef, QuerySet
from django.http import Http404

from tickets.mail.parse import header
from tickets.models import InboundEmail, Inbox, MailSource, Membership

User = AbstractBaseUser
# Enough for the headers of nearly every message, without loading the body.
HEAD_BYTES = 16 * 1024


@dataclass(frozen=True)
class RawSummary:
    sender: str
    subject: str
    date: str


class RawHead(Func):
    """The first HEAD_BYTES of the raw message, read in SQL."""

    function = "substring"
    template = "%(function)s(%(expressions)s FROM 1 FOR " + str(HEAD_BYTES) + ")"
    output_field = BinaryField()

    def __init__(self) -> None:
        super().__init__(F("raw"))


def may_see_quarantine(*, user: User, membership: Membership) -> bool:
    """Whether the membership lets the user see its inbox's quarantine (the
    rule `quarantine_inboxes_for_user` queries)."""
    return user.is_staff or membership.role == Membership.Role.MANAGER


def quarantine_inboxes_for_user(*, user: User) -> QuerySet[Inbox]:
    """Inboxes whose quarantine the user may see: those they manage; for
    staff, every inbox they are a member of."""
    if not user.is_authenticated:
        return Inbox.objects.none()
    memberships = Membership.objects.filter(user=user, inbox=OuterRef("pk"))
    if not user.is_staff:
        memberships = memberships.filter(role=Membership.Role.MANAGER)
    return Inbox.objects.filter(Exists(memberships)).order_by("name")


def inbound_for_user(*, user: User) -> QuerySet[InboundEmail]:
    """Inbound mail of the inboxes whose quarantine the user may see (any
    status), without the raw bytes."""
    return (
        InboundEmail.objects.filter(
            inbox__in=quarantine_inboxes_for_user(user=user).values("pk")
        )
        .select_related("inbox")
        .defer("raw")
    )


def quarantine_list_for_user(
    *, user: User, inbox: Inbox | None = None
) -> QuerySet[InboundEmail]:
    """Quarantined mail the user may see, newest first, with its raw head."""
    qs = inbound_for_user(user=user).filter(status=InboundEmail.Status.QUARANTINED)
    if inbox is not None:
        qs = qs.filter(inbox=inbox)
    return qs.annotate(raw_head=RawHead()).order_by("-received_at", "-id")


def inbound_get_for_user(*, user: User, inbound_id: int) -> InboundEmail:
    """One inbound email the user may see (raw bytes loaded), else 404."""
    row = (
        InboundEmail.objects.filter(
            pk=inbound_id,
            inbox__in=quarantine_inboxes_for_user(user=user).values("pk"),
        )
        .select_related("inbox")
        .first()
    )
    if row is None:
        raise Http404("No such email.")
    return row


def quarantined_for_user(*, user: User) -> QuerySet[InboundEmail]:
    """Quarantined mail the user may see (for counting: no raw bytes, no order)."""
    return inbound_for_user(user=user).filter(status=InboundEmail.Status.QUARANTINED)


def mail_sources_for_user(*, user: User) -> QuerySet[MailSource]:
    """Mail sources of the inboxes whose quarantine the user may see."""
    return (
        MailSource.objects.filter(
            inbox__in=quarantine_inboxes_for_user(user=user).values("pk")
        )
        .select_related("inbox")
        .defer("secret_encrypted")
    )


def raw_summary(raw: bytes | memoryview | None) -> RawSummary:
    """Sender, subject and date from raw headers; whatever is unreadable
    stays empty rather than failing."""
    head = bytes(raw or b"")
    end = head.find(b"\r\n\r\n")
    end = head.find(b"\n\n") if end < 0 else end
    head = head[: end + 2] if end >= 0 else head
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(head)
    except Exception:
        return RawSummary("", "", "")

    def read(name: str) -> str:
        try:
            return header(headers, name)[:300]
        except Exception:
            return ""

    return RawSummary(read("From"), read("Subject"), read("Date"))


def error_reason(error: str) -> str:
    """The first line of a quarantine error: the reason, without a traceback."""
    return next((line for line in error.splitlines() if line.strip()), "")


def raw_filename(row: InboundEmail) -> str:
    return f"inbound-{row.pk}.eml"


def with_summaries(rows: list[InboundEmail]) -> list[InboundEmail]:
    """Attach `summary` and `reason` to rows that carry a raw head."""
    for row in rows:
        row.summary = raw_summary(getattr(row, "raw_head", None))
        row.reason = error_reason(row.error)
    return rows
