"""The recovery panel on the ticket page, the managers' pages and CSV, and
the customer's choice page: visibility, CSRF, messages and what is recorded."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from freezegun import freeze_time

from recovery import services
from recovery.models import (
    CaseEvent,
    Channel,
    ChoiceRequest,
    FailureType,
    Offer,
    RecoveryCase,
)
from recovery.tests.conftest import APOLOGY
from recovery.tests.factories import (
    ChoiceRequestFactory,
    OfferFactory,
    PostMortemFactory,
    PromiseCheckFactory,
    RecoveryCaseFactory,
)
from tickets.models import Membership
from tickets.tests.factories import InboxFactory, MembershipFactory, TicketFactory

pytestmark = pytest.mark.django_db
Status = RecoveryCase.Status


@pytest.fixture
def agent_client(client, agent) -> Client:
    client.force_login(agent)
    return client


@pytest.fixture
def manager_client(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


def choice_path(text: str) -> str:
    """The path of the customer link in an email."""
    return re.search(r"https?://[^/\s]+(/recovery/choice/\S+)", text).group(1)


def ticket_page(client: Client, ticket) -> str:
    response = client.get(reverse("tickets:ticket-detail", args=[ticket.reference]))
    assert response.status_code == 200
    return response.text


# --- the panel ---------------------------------------------------------------


def test_a_ticket_without_a_case_offers_to_open_one(agent_client, ticket):
    # given a ticket without a case; when its page, then the form are shown
    html = ticket_page(agent_client, ticket)
    url = reverse("recovery:case-open", args=[ticket.reference])
    form = agent_client.get(url).text
    # then the page offers it and the form loads when opened
    assert "Open a recovery case" in html
    assert f'hx-get="{url}"' in html
    assert 'name="open-failure_type"' not in html
    assert 'name="open-failure_type"' in form
    assert "csrfmiddlewaretoken" in form


def test_a_refused_open_form_comes_back_filled_in(agent_client, ticket):
    # given an attempt to open a case without saying what went wrong
    url = reverse("recovery:case-open", args=[ticket.reference])
    agent_client.post(url, {"open-failure_type": "late_delivery", "open-summary": ""})
    # when the page is shown again
    html = ticket_page(agent_client, ticket)
    # then the form is open, with the choice made and the reason
    assert '<details class="rc-open-form" open>' in html
    assert '<option value="late_delivery" selected>' in html
    assert "This field is required." in html


def test_the_open_form_of_another_inbox_is_404(agent_client):
    other = TicketFactory(inbox=InboxFactory())
    url = reverse("recovery:case-open", args=[other.reference])
    assert agent_client.get(url).status_code == 404


@pytest.mark.parametrize("status", [s for s in Status.values if s != Status.CLOSED])
def test_the_panel_shows_each_state_with_its_outlook(
    agent_client, ticket, agent, status
):
    # given
    case = RecoveryCaseFactory(
        ticket=ticket,
        status=status,
        owner=agent,
        escalated_from=Status.UNDERSTOOD if status == Status.ESCALATED else "",
        escalation_target="Logistics" if status == Status.ESCALATED else "",
    )
    # when
    html = ticket_page(agent_client, ticket)
    # then
    assert 'id="recovery"' in html
    assert escape(case.get_status_display()) in html
    assert "Recovery outlook" in html
    assert "Outlook: Favourable" in html


def test_the_apology_form_is_prefilled_in_the_first_person(agent_client, case):
    html = ticket_page(agent_client, case.ticket)
    assert "I am sorry that your order did not arrive when we said it would" in html


def test_opening_a_case_from_the_ticket_page(agent_client, ticket, agent):
    # when
    response = agent_client.post(
        reverse("recovery:case-open", args=[ticket.reference]),
        {
            "open-failure_type": FailureType.DEFECT,
            "open-severity": "major",
            "open-attribution": "ours",
            "open-is_preventable": "yes",
            "open-is_foreseeable": "no",
            "open-summary": "Lamp arrived broken.",
        },
    )
    # then
    assert response.status_code == 302
    assert response.url.endswith("#recovery")
    case = RecoveryCase.objects.get(ticket=ticket)
    assert (case.failure_type, case.is_preventable, case.is_foreseeable) == (
        "defect",
        True,
        False,
    )


def test_a_refused_step_keeps_what_was_typed_and_says_why(agent_client, case):
    # when the agent sends an apology that is not in the first person
    response = agent_client.post(
        reverse("recovery:case-acknowledge", args=[case.pk]),
        {
            "seen_status": "opened",
            "apology-channel": Channel.PHONE,
            "apology-text": "The company regrets the delay.",
        },
        follow=True,
    )
    # then the case did not move, the reason shows and the text is kept
    case.refresh_from_db()
    assert case.status == Status.OPENED
    assert "first person" in response.text
    assert "The company regrets the delay." in response.text


def test_a_stale_page_is_told_that_someone_else_moved_the_case(
    agent_client, ticket, agent
):
    # given the case was acknowledged in another tab
    case = RecoveryCaseFactory(ticket=ticket, status=Status.ACKNOWLEDGED)
    # when this page still shows "opened" and sends its apology
    response = agent_client.post(
        reverse("recovery:case-acknowledge", args=[case.pk]),
        {
            "seen_status": "opened",
            "apology-channel": Channel.PHONE,
            "apology-text": APOLOGY,
        },
        follow=True,
    )
    # then
    assert "Someone else changed this case first" in response.text
    assert case.events.count() == 0


def test_the_panel_is_not_shown_and_actions_404_for_other_inboxes(agent_client):
    foreign = RecoveryCaseFactory(ticket=TicketFactory(inbox=InboxFactory()))
    response = agent_client.post(
        reverse("recovery:case-close", args=[foreign.pk]), {"note": "x"}
    )
    assert response.status_code == 404


def test_panel_actions_need_the_csrf_token(agent, case):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(
        reverse("recovery:case-acknowledge", args=[case.pk]),
        {"apology-channel": "phone", "apology-text": APOLOGY},
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Status.OPENED


def test_an_offer_above_authority_says_a_manager_decides(agent_client, case):
    response = agent_client.post(
        reverse("recovery:offer-create", args=[case.pk]),
        {
            "offer-kind": "refund",
            "offer-amount": "80.00",
            "offer-currency": "EUR",
            "offer-description": "Full refund",
        },
        follow=True,
    )
    assert "It needs a manager&#x27;s approval" in response.text
    assert Offer.objects.get().status == Offer.Status.PENDING


# --- navigation, approvals and log -------------------------------------------


def test_managers_see_approvals_with_their_count_in_the_navigation(
    manager_client, case, agent
):
    OfferFactory(case=case, created_by=agent, status=Offer.Status.PENDING)
    response = manager_client.get(reverse("tickets:ticket-list"))
    counts = manager_client.get(reverse("tickets:nav-counts"))
    assert "Approvals" in response.text
    assert 'data-testid="nav-count-approvals" hx-swap-oob="true">1<' in counts.text
    assert "Recovery log" in response.text


def test_agents_have_no_manager_entries_and_get_403(agent_client):
    response = agent_client.get(reverse("tickets:ticket-list"))
    assert "Recovery log" not in response.text
    assert agent_client.get(reverse("recovery:approvals")).status_code == 403
    assert agent_client.get(reverse("recovery:log")).status_code == 403
    assert agent_client.get(reverse("recovery:log-csv")).status_code == 403


def test_the_approval_queue_lists_oldest_first(manager_client, inbox, agent):
    now = timezone.now()
    newer = OfferFactory(
        case=RecoveryCaseFactory(ticket=TicketFactory(inbox=inbox)),
        created_by=agent,
        status=Offer.Status.PENDING,
        description="Newer request",
        created_at=now,
    )
    older = OfferFactory(
        case=RecoveryCaseFactory(ticket=TicketFactory(inbox=inbox)),
        created_by=agent,
        status=Offer.Status.PENDING,
        description="Older request",
        created_at=now - timedelta(hours=3),
    )
    html = manager_client.get(reverse("recovery:approvals")).text
    assert html.index(older.description) < html.index(newer.description)


def test_a_manager_approves_a_changed_amount_from_the_queue(
    manager_client, case, agent
):
    offer = OfferFactory(
        case=case, created_by=agent, status=Offer.Status.PENDING, amount="90.00"
    )
    response = manager_client.post(
        reverse("recovery:approval-decide", args=[offer.pk]),
        {
            f"o{offer.pk}-decision": "approve",
            f"o{offer.pk}-amount": "60.00",
            f"o{offer.pk}-note": "Keep it proportionate.",
        },
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.status, offer.amount) == (Offer.Status.APPROVED, Decimal("60.00"))


def test_rejecting_from_the_queue_needs_a_reason(manager_client, case, agent):
    offer = OfferFactory(case=case, created_by=agent, status=Offer.Status.PENDING)
    manager_client.post(
        reverse("recovery:approval-decide", args=[offer.pk]),
        {f"o{offer.pk}-decision": "reject", f"o{offer.pk}-note": ""},
    )
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING


def test_a_manager_of_another_inbox_cannot_decide(case, agent):
    other = MembershipFactory(inbox=InboxFactory(), role=Membership.Role.MANAGER).user
    offer = OfferFactory(case=case, created_by=agent, status=Offer.Status.PENDING)
    client = Client()
    client.force_login(other)
    response = client.post(
        reverse("recovery:approval-decide", args=[offer.pk]),
        {f"o{offer.pk}-decision": "approve"},
    )
    assert response.status_code == 404


def test_an_agent_member_cannot_decide(agent_client, case, inbox):
    colleague = MembershipFactory(inbox=inbox).user
    offer = OfferFactory(case=case, created_by=colleague, status=Offer.Status.PENDING)
    response = agent_client.post(
        reverse("recovery:approval-decide", args=[offer.pk]),
        {f"o{offer.pk}-decision": "approve"},
    )
    assert response.status_code == 403


def test_the_log_filters_and_shows_only_managed_inboxes(manager_client, inbox, agent):
    # given
    defect = RecoveryCaseFactory(
        ticket=TicketFactory(inbox=inbox), failure_type="defect", owner=agent
    )
    late = RecoveryCaseFactory(ticket=TicketFactory(inbox=inbox), owner=agent)
    foreign = RecoveryCaseFactory(ticket=TicketFactory(inbox=InboxFactory()))
    # when
    everything = manager_client.get(reverse("recovery:log")).text
    defects = manager_client.get(reverse("recovery:log"), {"failure_type": "defect"})
    # then
    assert defect.ticket.reference in everything
    assert late.ticket.reference in everything
    assert foreign.ticket.reference not in everything
    assert defect.ticket.reference in defects.text
    assert late.ticket.reference not in defects.text


def test_the_csv_export_streams_the_filtered_log(manager_client, inbox, agent):
    # given a closed case with an approved offer and a post-mortem
    case = RecoveryCaseFactory(
        ticket=TicketFactory(inbox=inbox),
        status=Status.CLOSED,
        owner=agent,
        acknowledged_at=timezone.now(),
        satisfaction_score=4,
    )
    OfferFactory(case=case, created_by=agent, status=Offer.Status.APPROVED)
    PostMortemFactory(case=case)
    RecoveryCaseFactory(ticket=TicketFactory(inbox=InboxFactory()))
    # when
    response = manager_client.get(reverse("recovery:log-csv"), {"status": "closed"})
    # then
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert [row["ticket"] for row in rows] == [case.ticket.reference]
    assert rows[0]["approved_total"] == "20.00 EUR"
    assert rows[0]["outlook"] == "favourable"
    assert rows[0]["satisfaction"] == "4"
    assert rows[0]["root_cause"] == "process"


def test_csv_cells_cannot_become_formulas(manager_client, inbox):
    case = RecoveryCaseFactory(ticket=TicketFactory(inbox=inbox))
    OfferFactory(case=case, status=Offer.Status.APPROVED, kind="other")
    case.ticket.customer.email = "=cmd@evil.example"
    case.ticket.customer.save()
    response = manager_client.get(reverse("recovery:log-csv"))
    body = b"".join(response.streaming_content).decode()
    assert "'=cmd@evil.example" in body


# --- the customer's choice page ----------------------------------------------


@pytest.fixture
def sent_request(broken_promise_case) -> tuple[ChoiceRequest, str]:
    """Options sent to the customer of a broken promise, and the link's path."""
    services.case_prepare_options(
        case=broken_promise_case,
        actor=broken_promise_case.owner,
        new_date=timezone.localdate() + timedelta(days=12),
        alternative="The new model in anthracite, with a two-year warranty",
        refund_amount="149.00",
        currency="EUR",
        incentive_kind="free_upgrade",
        incentive_amount="0",
        incentive_description="Free express delivery",
    )
    broken_promise_case.refresh_from_db()
    request = services.case_send_options(
        case=broken_promise_case, actor=broken_promise_case.owner
    )
    return request, choice_path(request.message.body_text)


def test_the_link_page_shows_the_options_and_records_nothing(client, sent_request):
    request, path = sent_request
    # when a mail scanner (or the customer) opens the link
    response = client.get(path)
    # then the options show and nothing was chosen
    assert response.status_code == 200
    assert "Wait for the original" in response.text
    assert "anthracite" in response.text
    assert "€149.00" in response.text
    assert response["Referrer-Policy"] == "no-referrer"
    request.refresh_from_db()
    assert request.status == ChoiceRequest.Status.SENT
    assert request.case.status == Status.AWAITING_CUSTOMER


def test_the_customer_chooses_on_the_page(
    client, sent_request, mailoutbox, django_capture_on_commit_callbacks
):
    request, path = sent_request
    mailoutbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            path, {"option": "alternative", "note": "Anthracite is fine."}
        )
    # then
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.chosen_option == ChoiceRequest.Option.ALTERNATIVE
    assert request.chosen_channel == Channel.LINK
    assert request.case.status == Status.UNDERSTOOD
    assert request.incentive_offer.customer_answer == Offer.Answer.ACCEPTED
    # and the owner is told
    assert [m.to for m in mailoutbox] == [[request.case.owner.email]]
    # and the page now thanks them instead of offering the choice again
    again = client.get(path)
    assert "your choice is already recorded" in again.text
    assert "Confirm my choice" not in again.text


def test_a_reused_link_records_nothing_more(client, sent_request):
    request, path = sent_request
    client.post(path, {"option": "wait"})
    response = client.post(path, {"option": "cancel"})
    assert "already recorded" in response.text
    request.refresh_from_db()
    assert request.chosen_option == ChoiceRequest.Option.WAIT
    assert request.case.events.filter(kind="choice").count() == 1


def test_a_tampered_link_is_404(client, sent_request):
    request, path = sent_request
    tampered = path.replace("/choice/", "/choice/9")
    response = client.post(tampered, {"option": "cancel"})
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == ChoiceRequest.Status.SENT


def test_an_expired_link_is_gone(client, sent_request):
    request, path = sent_request
    with freeze_time(timezone.now() + timedelta(days=8)):
        response = client.post(path, {"option": "cancel"})
    assert response.status_code == 410
    assert "expired" in response.text
    request.refresh_from_db()
    assert request.status == ChoiceRequest.Status.SENT


def test_a_withdrawn_offer_voids_the_link(client, sent_request, agent):
    request, path = sent_request
    services.case_withdraw_options(
        case=RecoveryCase.objects.get(pk=request.case_id), actor=agent
    )
    response = client.get(path)
    assert "no longer open" in response.text


def test_the_choice_page_needs_the_csrf_token(sent_request):
    request, path = sent_request
    client = Client(enforce_csrf_checks=True)
    response = client.post(path, {"option": "cancel"})
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == ChoiceRequest.Status.SENT


def test_a_german_customer_sees_the_page_in_german_markup(client, ticket, agent):
    # the page is rendered in the customer's language (translations permitting)
    ticket.customer.language = "de"
    ticket.customer.save()
    case = RecoveryCaseFactory(
        ticket=ticket, failure_type=FailureType.BROKEN_PROMISE, status="understood"
    )
    PromiseCheckFactory(case=case, checked_by=agent)
    ChoiceRequestFactory(case=case)
    request = services.case_send_options(case=case, actor=agent)
    assert request.message.body_text.startswith("Guten Tag")
    assert "Sie haben drei Möglichkeiten" in request.message.body_text
    response = client.get(choice_path(request.message.body_text))
    assert '<html lang="de">' in response.text


def test_the_panel_costs_the_same_queries_with_many_offers_and_events(
    agent_client, ticket, agent
):
    # given a case with one offer
    case = RecoveryCaseFactory(ticket=ticket, status=Status.UNDERSTOOD, owner=agent)
    OfferFactory(case=case, created_by=agent, decided_by=agent)
    url = reverse("tickets:ticket-detail", args=[ticket.reference])
    with CaptureQueriesContext(connection) as one:
        agent_client.get(url)
    # when it has many more offers and events
    for _ in range(8):
        made = OfferFactory(case=case, created_by=agent, decided_by=agent)
        CaseEvent.objects.create(case=case, actor=agent, kind="offer_made", offer=made)
    with CaptureQueriesContext(connection) as many:
        agent_client.get(url)
    # then the page needs no more queries
    assert len(many) == len(one)
