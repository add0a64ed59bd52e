"""The recovery API under /api/v1/recovery/: permissions, payloads, errors."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from recovery.models import ChoiceRequest, Offer, RecoveryCase
from recovery.tests.conftest import APOLOGY
from recovery.tests.factories import (
    ChoiceRequestFactory,
    OfferFactory,
    RecoveryCaseFactory,
)
from tickets.models import Membership
from tickets.tests.factories import (
    ComponentFactory,
    InboxFactory,
    MembershipFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db
Status = RecoveryCase.Status


def url(name: str, *args) -> str:
    return reverse(f"recovery-api:{name}", args=args)


@pytest.fixture
def api(agent) -> APIClient:
    client = APIClient()
    client.force_authenticate(agent)
    return client


@pytest.fixture
def manager_api(manager) -> APIClient:
    client = APIClient()
    client.force_authenticate(manager)
    return client


@pytest.fixture
def foreign_case() -> RecoveryCase:
    return RecoveryCaseFactory(ticket=TicketFactory(inbox=InboxFactory()))


# --- permissions -------------------------------------------------------------

CASE_ENDPOINTS = [
    ("get", "case-detail", None),
    ("get", "case-events", None),
    ("get", "case-offers", None),
    ("post", "case-offers", {"kind": "gift", "amount": "5", "currency": "EUR"}),
    ("post", "case-acknowledge", {"channel": "phone", "text": APOLOGY}),
    ("post", "case-escalate", {"target": "Team lead", "reason": "VIP"}),
    ("post", "case-close", {}),
    ("post", "case-checks", {"kind": "supplier", "outcome": "No", "can_keep": False}),
    ("post", "case-options-send", {}),
    ("post", "case-substitute-delivered", {}),
]


@pytest.mark.parametrize(("method", "name", "payload"), CASE_ENDPOINTS)
def test_cases_of_other_inboxes_are_404(api, foreign_case, method, name, payload):
    response = getattr(api, method)(url(name, foreign_case.pk), payload, format="json")
    assert response.status_code == 404
    foreign_case.refresh_from_db()
    assert foreign_case.status == Status.OPENED


def test_anonymous_requests_are_refused(case):
    response = APIClient().get(url("case-detail", case.pk))
    assert response.status_code in (401, 403)


@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "approval-list"), ("get", "log")],
)
def test_manager_lists_are_403_for_agents(api, method, name):
    assert getattr(api, method)(url(name)).status_code == 403


def test_an_agent_cannot_decide_an_offer_of_their_inbox(api, case, inbox):
    colleague = MembershipFactory(inbox=inbox).user
    offer = OfferFactory(case=case, created_by=colleague, status=Offer.Status.PENDING)
    response = api.post(url("approval-approve", offer.pk), {}, format="json")
    assert response.status_code == 403
    response = api.post(
        url("approval-reject", offer.pk), {"reason": "x"}, format="json"
    )
    assert response.status_code == 403


def test_a_manager_of_another_inbox_gets_404(case, agent):
    other = MembershipFactory(inbox=InboxFactory(), role=Membership.Role.MANAGER).user
    offer = OfferFactory(case=case, created_by=agent, status=Offer.Status.PENDING)
    client = APIClient()
    client.force_authenticate(other)
    response = client.post(url("approval-approve", offer.pk), {}, format="json")
    assert response.status_code == 404


def test_the_case_list_shows_only_the_users_inboxes(api, case, foreign_case):
    response = api.get(url("case-list"))
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [case.pk]


def test_unknown_recovery_endpoints_answer_json_404(api):
    response = api.get("/api/v1/recovery/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such API endpoint."}


# --- a case through the API --------------------------------------------------


def test_a_whole_case_through_the_api(api, manager_api, ticket, agent, mailoutbox):
    # open
    response = api.post(
        url("case-list"),
        {
            "ticket": ticket.reference,
            "failure_type": "late_delivery",
            "severity": "major",
            "attribution": "third_party",
            "is_preventable": False,
            "is_foreseeable": False,
            "summary": "Courier lost the parcel.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    case = response.json()
    assert case["status"] == "opened"
    assert case["outlook"]["verdict"] == "doubtful"
    assert case["outlook"]["reasons"][0]["key"] == "first_failure"
    case_id = case["id"]

    def move(name: str, payload: dict) -> dict:
        response = api.post(url(name, case_id), payload, format="json")
        assert response.status_code == 200, response.json()
        return response.json()

    # apologise, understand
    assert move("case-acknowledge", {"channel": "email", "text": APOLOGY})[
        "status"
    ] == ("acknowledged")
    move(
        "case-understand",
        {
            "customer_account": "Waited a week.",
            "chain_of_events": "Courier scanned it, then lost it.",
            "cause": "Courier depot mix-up.",
            "fair_outcome": "Shipping refunded and a voucher.",
        },
    )
    # an offer above the agent's EUR 50 limit waits for the manager
    offer = api.post(
        url("case-offers", case_id),
        {"kind": "refund", "amount": "80.00", "currency": "EUR", "description": "x"},
        format="json",
    ).json()
    assert offer["status"] == "pending"
    assert offer["amount"] == {"amount": "80.00", "currency": "EUR"}
    queue = manager_api.get(url("approval-list")).json()
    assert [row["id"] for row in queue] == [offer["id"]]
    approved = manager_api.post(
        url("approval-approve", offer["id"]), {"amount": "60.00"}, format="json"
    ).json()
    assert approved["status"] == "approved"
    assert approved["requested_amount"]["amount"] == "80.00"
    api.post(url("offer-answer", offer["id"]), {"answer": "accepted"}, format="json")
    # resolve, follow up, document, close
    assert move("case-resolve", {"solution": "Refund and voucher."})["status"] == (
        "resolved"
    )
    move("case-satisfaction", {"score": 5, "channel": "phone"})
    documented = move(
        "case-document",
        {
            "chain_of_events": "Courier lost it.",
            "root_cause": "partner",
            "component_id": ComponentFactory().pk,
            "is_preventable": False,
            "prevention_action": "Track parcels daily.",
            "prevention_owner_id": agent.pk,
            "prevention_due_date": str(timezone.localdate() + timedelta(days=10)),
        },
    )
    assert documented["post_mortem"]["root_cause"] == "partner"
    closed = move("case-close", {"note": "Done."})
    assert closed["status"] == "closed"
    assert [t["step"] for t in closed["timings"]][-1] == "closed"
    assert all(t["reached_at"] for t in closed["timings"])
    # the log has it
    log = manager_api.get(url("log")).json()["results"]
    assert [row["id"] for row in log] == [case_id]


def test_an_invalid_move_is_409(api, case):
    response = api.post(
        url("case-resolve", case.pk),
        {"solution": "x", "no_compensation_reason": "y"},
        format="json",
    )
    assert response.status_code == 409
    assert "cannot move" in response.json()["detail"]


def test_a_move_from_a_status_that_changed_meanwhile_is_409(api, case):
    response = api.post(
        url("case-acknowledge", case.pk),
        {"channel": "phone", "text": APOLOGY, "expected_status": "acknowledged"},
        format="json",
    )
    assert response.status_code == 409
    assert "Someone else changed this case" in response.json()["detail"]


def test_a_refused_step_rule_is_400(api, case):
    response = api.post(
        url("case-acknowledge", case.pk),
        {"channel": "phone", "text": "The company apologises."},
        format="json",
    )
    assert response.status_code == 400
    assert "first person" in response.json()["detail"]


def test_a_second_decision_is_409(manager_api, case, agent, inbox):
    offer = OfferFactory(case=case, created_by=agent, status=Offer.Status.PENDING)
    assert (
        manager_api.post(
            url("approval-reject", offer.pk), {"reason": "No."}
        ).status_code
        == 200
    )
    response = manager_api.post(url("approval-approve", offer.pk), {}, format="json")
    assert response.status_code == 409


def test_an_agent_records_a_phone_choice(api, broken_promise_case):
    broken_promise_case.status = Status.AWAITING_CUSTOMER
    broken_promise_case.save()
    ChoiceRequestFactory(case=broken_promise_case, status=ChoiceRequest.Status.SENT)
    response = api.post(
        url("case-choice", broken_promise_case.pk),
        {"option": "cancel", "channel": "phone", "note": "Prefers the money back."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "understood"
    assert body["choice_requests"][0]["chosen_option"] == "cancel"
    assert body["choice_requests"][0]["chosen_channel"] == "phone"


def test_a_substitute_cannot_be_delivered_without_the_choice(api, broken_promise_case):
    response = api.post(url("case-substitute-delivered", broken_promise_case.pk))
    assert response.status_code == 400
    broken_promise_case.refresh_from_db()
    assert broken_promise_case.substitute_delivered_at is None


def test_the_schema_documents_the_recovery_endpoints(api):
    response = api.get(reverse("schema"), {"format": "json"})
    paths = response.json()["paths"]
    assert "/api/v1/recovery/cases/{case_id}/acknowledge/" in paths
    assert "/api/v1/recovery/approvals/{offer_id}/approve/" in paths
    schemas = response.json()["components"]["schemas"]
    assert "favourable" in schemas["RecoveryOutlookVerdict"]["enum"]
