"""HTML views of the mail quarantine, for the managers of an inbox (and staff
members of it): what was set aside and why, the raw message as a download,
and reprocessing after a fix. Others get 403 on the page and 404 on a
message."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpdesk.exceptions import DomainError
from tickets import selectors
from tickets.mail import intake
from tickets.mail import quarantine as q
from tickets.models import InboundEmail

logger = logging.getLogger(__name__)

PAGE_SIZE = 25


def raw_email_response(row: InboundEmail) -> HttpResponse:
    """The exact stored bytes as an .eml download (never shown inline)."""
    response = HttpResponse(bytes(row.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="{q.raw_filename(row)}"'
    return response


@login_required
@require_GET
def quarantine_list(request: HttpRequest) -> HttpResponse:
    """Quarantined mail of the inboxes the user manages, newest first."""
    inboxes = list(q.quarantine_inboxes_for_user(user=request.user))
    if not inboxes:
        raise PermissionDenied
    slug = request.GET.get("inbox") or ""
    current = next((i for i in inboxes if i.slug == slug), None)
    value = request.GET.get("page", "")
    page = min(max(int(value), 1), selectors.MAX_PAGE) if value.isdigit() else 1
    qs = q.quarantine_list_for_user(user=request.user, inbox=current)
    rows, has_next = selectors.page_of(qs, page=page, size=PAGE_SIZE)
    sources = q.mail_sources_for_user(user=request.user)
    if current is not None:
        sources = sources.filter(inbox=current)
    context = {
        "rows": q.with_summaries(list(rows)),
        "inboxes": inboxes,
        "current": current,
        "sources": list(sources),
        "page": page,
        "has_next": has_next,
    }
    return render(request, "mail/quarantine_list.html", context)


@login_required
@require_GET
def inbound_raw(request: HttpRequest, inbound_id: int) -> HttpResponse:
    """Download the raw message exactly as it was received."""
    row = q.inbound_get_for_user(user=request.user, inbound_id=inbound_id)
    return raw_email_response(row)


@login_required
@require_POST
def inbound_reprocess(request: HttpRequest, inbound_id: int) -> HttpResponse:
    """Process a quarantined message again (after a fix) and say what came of it."""
    row = q.inbound_get_for_user(user=request.user, inbound_id=inbound_id)
    try:
        row = intake.email_reprocess(inbound_id=row.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        logger.info("inbound email %s reprocessed by %s", row.pk, request.user.pk)
        messages.add_message(request, *reprocess_outcome(row))
    return redirect(_back(request))


def reprocess_outcome(row: InboundEmail) -> tuple[int, str]:
    """A message level and text saying what reprocessing did."""
    if row.status == InboundEmail.Status.QUARANTINED:
        return messages.WARNING, _("Still quarantined: %(reason)s") % {
            "reason": q.error_reason(row.error)
        }
    if row.ticket_id:
        return messages.SUCCESS, _("Processed: %(outcome)s on %(reference)s.") % {
            "outcome": row.get_outcome_display() or row.get_status_display(),
            "reference": row.ticket.reference,
        }
    return messages.SUCCESS, _("Processed: %(status)s.") % {
        "status": row.get_outcome_display() or row.get_status_display()
    }


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("tickets:quarantine-list")
