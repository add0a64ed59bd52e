"""The JSON API under /api/v1/: permissions, payloads, errors, pagination."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tickets import services
from tickets.models import Customer, Membership, Message, OutboundEmail, Ticket
from tickets.tests.factories import (
    ComponentFactory,
    CustomerFactory,
    InboxFactory,
    MembershipFactory,
    MessageFactory,
    TicketFactory,
    UserFactory,
)

Status = Ticket.Status


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # The token endpoint's throttle counts in the cache; tests start at zero.
    cache.clear()


@pytest.fixture
def api(agent) -> APIClient:
    """A client logged in (session) as the agent of the "support" inbox."""
    client = APIClient()
    client.force_login(agent)
    return client


@pytest.fixture
def foreign_ticket(db) -> Ticket:
    """A ticket in an inbox the agent is not a member of, with a message."""
    ticket = TicketFactory(inbox=InboxFactory())
    MessageFactory(ticket=ticket)
    return ticket


def url(name: str, *args) -> str:
    return reverse(f"api:{name}", args=args)


def refs(response) -> set[str]:
    return {row["reference"] for row in response.json()["results"]}


# --- permissions --------------------------------------------------------------

TICKET_ENDPOINTS = [
    ("get", "ticket-detail", None),
    ("patch", "ticket-detail", {"priority": "high"}),
    ("post", "ticket-transition", {"status": "open"}),
    ("post", "ticket-claim", None),
    ("post", "ticket-reply", {"body": "Hello"}),
    ("post", "ticket-notes", {"body": "Internal"}),
    ("get", "ticket-messages", None),
    ("get", "ticket-events", None),
]


@pytest.mark.parametrize(("method", "name", "payload"), TICKET_ENDPOINTS)
def test_agent_gets_404_for_a_ticket_of_another_inbox_and_changes_nothing(
    api, foreign_ticket, method, name, payload
):
    # when
    response = getattr(api, method)(
        url(name, foreign_ticket.reference), payload, format="json"
    )
    # then
    assert response.status_code == 404
    assert response.json() == {"detail": "No such ticket."}
    foreign_ticket.refresh_from_db()
    assert foreign_ticket.status == Status.NEW
    assert foreign_ticket.priority == Ticket.Priority.NORMAL
    assert foreign_ticket.assignee is None
    assert foreign_ticket.messages.count() == 1
    assert not foreign_ticket.events.exists()


def test_ticket_list_leaves_out_tickets_of_other_inboxes(api, ticket, foreign_ticket):
    # when
    response = api.get(url("ticket-list"), {"status": "any"})
    # then
    assert response.status_code == 200
    assert refs(response) == {ticket.reference}


def test_customer_of_another_inbox_is_hidden_from_list_detail_and_edit(
    api, ticket, foreign_ticket
):
    # given
    stranger = foreign_ticket.customer
    # when
    listed = api.get(url("customer-list"))
    fetched = api.get(url("customer-detail", stranger.pk))
    edited = api.patch(url("customer-detail", stranger.pk), {"name": "X"})
    # then
    assert [row["id"] for row in listed.json()["results"]] == [ticket.customer_id]
    assert fetched.status_code == 404
    assert edited.status_code == 404
    stranger.refresh_from_db()
    assert stranger.name != "X"


def test_members_of_another_inbox_are_hidden(api):
    # given
    other = MembershipFactory().inbox
    # when
    response = api.get(url("inbox-members", other.slug))
    # then
    assert response.status_code == 404
    assert response.json() == {"detail": "No such inbox."}


ALL_ENDPOINTS = [
    ("get", "me-detail", ()),
    ("get", "inbox-list", ()),
    ("get", "inbox-members", ("support",)),
    ("get", "customer-list", ()),
    ("post", "customer-list", ()),
    ("get", "customer-detail", (1,)),
    ("patch", "customer-detail", (1,)),
    ("get", "ticket-list", ()),
    ("post", "ticket-list", ()),
    *[(method, name, ("SUP-1",)) for method, name, _payload in TICKET_ENDPOINTS],
]


@pytest.mark.parametrize(("method", "name", "args"), ALL_ENDPOINTS)
def test_anonymous_requests_are_refused_with_json(db, method, name, args):
    # when
    response = getattr(APIClient(), method)(url(name, *args), {}, format="json")
    # then
    assert response.status_code in (401, 403)
    assert "credentials" in response.json()["detail"]


# --- token authentication -----------------------------------------------------


def test_token_from_username_and_password_authenticates_requests(db, agent):
    # given
    client = APIClient()
    # when
    issued = client.post(
        url("auth-token"),
        {"username": agent.username, "password": "secret-pass-123"},
        format="json",
    )
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    me = client.get(url("me-detail"))
    # then
    assert issued.status_code == 200
    assert me.status_code == 200
    assert me.json()["user"]["username"] == agent.username


def test_token_request_with_a_wrong_password_is_a_json_400(db, agent):
    # when
    response = APIClient().post(
        url("auth-token"), {"username": agent.username, "password": "nope"}
    )
    # then
    assert response.status_code == 400
    assert response.json()["non_field_errors"]


# --- me and inboxes -----------------------------------------------------------


def test_me_lists_memberships_with_authority_limits_as_money(api, agent, inbox):
    # when
    response = api.get(url("me-detail"))
    # then
    assert response.status_code == 200
    [membership] = response.json()["memberships"]
    assert membership["inbox"]["slug"] == inbox.slug
    assert membership["role"] == "agent"
    assert membership["per_offer_limit"] == {"amount": "50.00", "currency": "EUR"}
    assert membership["per_month_limit"] == {"amount": "300.00", "currency": "EUR"}


def test_inbox_list_shows_only_own_inboxes_with_own_membership(api, inbox):
    # given
    MembershipFactory()  # someone else's inbox
    # when
    response = api.get(url("inbox-list"))
    # then
    [row] = response.json()
    assert row["slug"] == inbox.slug
    assert row["email_address"] == inbox.email_address
    assert row["expected_first_response_seconds"] == 4 * 3600
    assert row["membership"]["role"] == "agent"
    assert row["membership"]["per_offer_limit"]["amount"] == "50.00"
    assert row["membership"]["is_away"] is False


def test_inbox_members_lists_roles_and_limits(api, inbox, agent, manager):
    # when
    response = api.get(url("inbox-members", inbox.slug))
    # then
    assert response.status_code == 200
    roles = {row["user"]["username"]: row["role"] for row in response.json()}
    assert roles == {agent.username: "agent", manager.username: "manager"}


# --- customers ----------------------------------------------------------------


def test_customer_search_matches_name_or_email(api, inbox):
    # given
    TicketFactory(inbox=inbox, customer__name="Ada Lovelace")
    TicketFactory(inbox=inbox, customer__email="grace@navy.example")
    TicketFactory(inbox=inbox, customer__name="Someone Else")
    # when
    by_name = api.get(url("customer-list"), {"q": "lovelace"})
    by_email = api.get(url("customer-list"), {"q": "NAVY"})
    # then
    assert [row["name"] for row in by_name.json()["results"]] == ["Ada Lovelace"]
    assert [row["email"] for row in by_email.json()["results"]] == [
        "grace@navy.example"
    ]


def test_customer_create_returns_201_with_the_customer(api):
    # when
    response = api.post(
        url("customer-list"),
        {"email": "new@mail.example", "name": "New One", "time_zone": "Asia/Tokyo"},
        format="json",
    )
    # then
    assert response.status_code == 201
    customer = Customer.objects.get(pk=response.json()["id"])
    assert (customer.email, customer.name, customer.time_zone) == (
        "new@mail.example",
        "New One",
        "Asia/Tokyo",
    )


def test_customer_create_refuses_an_existing_email_in_any_case(api):
    # given
    CustomerFactory(email="taken@mail.example")
    # when
    response = api.post(
        url("customer-list"), {"email": "Taken@Mail.example"}, format="json"
    )
    # then
    assert response.status_code == 400
    assert "already exists" in response.json()["detail"]
    assert Customer.objects.filter(email__iexact="taken@mail.example").count() == 1


def test_customer_create_refuses_an_unknown_time_zone(api):
    # when
    response = api.post(
        url("customer-list"),
        {"email": "tz@mail.example", "time_zone": "Mars/Olympus"},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert "time_zone" in response.json()


def test_customer_update_changes_details(api, ticket):
    # when
    response = api.patch(
        url("customer-detail", ticket.customer_id),
        {"name": "Renamed", "phone": "+49 30 123"},
        format="json",
    )
    # then
    assert response.status_code == 200
    ticket.customer.refresh_from_db()
    assert (ticket.customer.name, ticket.customer.phone) == ("Renamed", "+49 30 123")


def test_customer_update_refuses_the_email_of_another_customer(api, ticket):
    # given
    CustomerFactory(email="other@mail.example")
    # when
    response = api.patch(
        url("customer-detail", ticket.customer_id),
        {"email": "OTHER@mail.example"},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert "already exists" in response.json()["detail"]


# --- tickets: list ------------------------------------------------------------


@pytest.fixture
def three_tickets(inbox, agent) -> dict[str, Ticket]:
    return {
        "mine": TicketFactory(
            inbox=inbox, assignee=agent, status=Status.OPEN, priority="high"
        ),
        "unassigned": TicketFactory(inbox=inbox, subject="Parcel lost in transit"),
        "resolved": TicketFactory(inbox=inbox, status=Status.RESOLVED),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"mine", "unassigned"}),
        ({"status": "any"}, {"mine", "unassigned", "resolved"}),
        ({"status": "resolved"}, {"resolved"}),
        ({"view": "mine"}, {"mine"}),
        ({"view": "unassigned"}, {"unassigned"}),
        ({"priority": "high"}, {"mine"}),
        ({"q": "parcel"}, {"unassigned"}),
        ({"inbox": "support"}, {"mine", "unassigned"}),
        ({"inbox": "elsewhere"}, set()),
    ],
)
def test_ticket_list_filters_like_the_ui(api, three_tickets, params, expected):
    # when
    response = api.get(url("ticket-list"), params)
    # then
    assert response.status_code == 200
    assert refs(response) == {three_tickets[key].reference for key in expected}


def test_ticket_list_filters_by_assignee_id(api, three_tickets, agent):
    # when
    response = api.get(url("ticket-list"), {"assignee": agent.pk})
    # then
    assert refs(response) == {three_tickets["mine"].reference}


def test_ticket_list_refuses_an_unknown_filter_value(api):
    # when
    response = api.get(url("ticket-list"), {"status": "sleeping"})
    # then
    assert response.status_code == 400
    assert "status" in response.json()


def test_ticket_list_pages_with_cursor_links_and_no_count(api, inbox):
    # given
    TicketFactory.create_batch(3, inbox=inbox)
    # when
    first = api.get(url("ticket-list"), {"page_size": 2}).json()
    second = api.get(first["next"]).json()
    # then
    assert "count" not in first
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert second["previous"] is not None


def _list_queries(client: APIClient) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("ticket-list"), {"page_size": 200})
    assert response.status_code == 200
    return len(queries)


def test_ticket_list_runs_the_same_queries_for_5_and_30_tickets(api, inbox):
    # given
    def make(n: int) -> None:
        for _ in range(n):
            assignee = MembershipFactory(inbox=inbox).user
            TicketFactory(inbox=inbox, assignee=assignee, component=ComponentFactory())

    make(5)
    few = _list_queries(api)
    # when
    make(25)
    many = _list_queries(api)
    # then
    assert few == many
    assert len(api.get(url("ticket-list"), {"page_size": 200}).json()["results"]) == 30


def test_ticket_list_never_counts_rows(api, ticket):
    # when
    with CaptureQueriesContext(connection) as queries:
        api.get(url("ticket-list"))
    # then
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


# --- tickets: create, read, update --------------------------------------------


def test_ticket_create_opens_a_ticket_with_the_first_message(api, agent, inbox):
    # when
    response = api.post(
        url("ticket-list"),
        {
            "inbox": inbox.slug,
            "customer_email": "caller@mail.example",
            "customer_name": "Caller",
            "subject": "Called about a refund",
            "body": "Customer phoned: refund missing.",
            "priority": "high",
            "category": "billing",
        },
        format="json",
    )
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["reference"].startswith("SUP-")
    ticket = Ticket.objects.get(reference=body["reference"])
    assert (ticket.priority, ticket.category) == ("high", "billing")
    assert ticket.customer.name == "Caller"
    assert ticket.messages.get().body_text == "Customer phoned: refund missing."
    assert ticket.events.get().actor == agent


def test_ticket_create_reuses_a_customer_by_email_in_any_case(api, inbox):
    # given
    customer = CustomerFactory(email="known@mail.example")
    # when
    response = api.post(
        url("ticket-list"),
        {
            "inbox": inbox.slug,
            "customer_email": "KNOWN@mail.example",
            "subject": "Again",
            "body": "Hello",
        },
        format="json",
    )
    # then
    assert response.status_code == 201
    assert response.json()["customer"]["id"] == customer.pk


def test_ticket_create_in_an_inbox_one_is_not_a_member_of_is_refused(api):
    # given
    other = InboxFactory()
    # when
    response = api.post(
        url("ticket-list"),
        {
            "inbox": other.slug,
            "customer_email": "a@mail.example",
            "subject": "S",
            "body": "B",
        },
        format="json",
    )
    # then
    assert response.status_code == 400
    assert response.json()["inbox"] == [
        "You are not a member of an inbox with this slug."
    ]
    assert not Ticket.objects.exists()


def test_ticket_detail_shows_allowed_transitions(api, ticket):
    # when
    response = api.get(url("ticket-detail", ticket.reference))
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "new"
    assert set(body["allowed_transitions"]) == set(Ticket.TRANSITIONS[Status.NEW])


def test_ticket_update_changes_fields_and_assignee_with_events(
    api, agent, inbox, ticket
):
    # given
    colleague = MembershipFactory(inbox=inbox).user
    component = ComponentFactory(name="Checkout")
    # when
    response = api.patch(
        url("ticket-detail", ticket.reference),
        {
            "priority": "urgent",
            "tags": ["Refund", "vip"],
            "component_id": component.pk,
            "assignee_id": colleague.pk,
        },
        format="json",
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["priority"] == "urgent"
    assert body["tags"] == ["refund", "vip"]
    assert body["component"] == {"id": component.pk, "name": "Checkout"}
    assert body["assignee"]["id"] == colleague.pk
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert kinds == {"priority", "tags", "component", "assigned"}
    assert set(ticket.events.values_list("actor", flat=True)) == {agent.pk}


def test_ticket_update_refuses_an_assignee_outside_the_inbox(api, ticket):
    # given
    outsider = UserFactory()
    # when
    response = api.patch(
        url("ticket-detail", ticket.reference),
        {"priority": "high", "assignee_id": outsider.pk},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert "assignee_id" in response.json()
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.assignee) == ("normal", None)


def test_claim_assigns_the_ticket_to_the_caller(api, agent, ticket):
    # when
    response = api.post(url("ticket-claim", ticket.reference))
    # then
    assert response.status_code == 200
    assert response.json()["assignee"]["username"] == agent.username
    ticket.refresh_from_db()
    assert ticket.assignee == agent


# --- tickets: transitions -----------------------------------------------------


def test_transition_moves_the_ticket_and_records_the_note(api, agent, ticket):
    # when
    response = api.post(
        url("ticket-transition", ticket.reference),
        {"status": "open", "note": "Looking into it"},
        format="json",
    )
    # then
    assert response.status_code == 200
    assert response.json()["status"] == "open"
    event = ticket.events.get()
    assert (event.from_value, event.to_value, event.note, event.actor) == (
        "new",
        "open",
        "Looking into it",
        agent,
    )


def test_invalid_transition_is_a_409_with_a_message(api, inbox):
    # given
    ticket = TicketFactory(inbox=inbox, status=Status.CLOSED)
    # when
    response = api.post(
        url("ticket-transition", ticket.reference), {"status": "open"}, format="json"
    )
    # then
    assert response.status_code == 409
    assert "cannot move" in response.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_transition_to_an_unknown_status_is_a_400(api, ticket):
    # when
    response = api.post(
        url("ticket-transition", ticket.reference), {"status": "asleep"}, format="json"
    )
    # then
    assert response.status_code == 400
    assert "status" in response.json()


# --- messages and events ------------------------------------------------------


def test_reply_queues_the_email_in_the_outbox_and_sends_after_commit(
    api, agent, ticket, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(
            url("ticket-reply", ticket.reference),
            {"body": "We are on it."},
            format="json",
        )
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "reply"
    assert body["author_user"]["username"] == agent.username
    assert body["delivery"]["status"] == "queued"
    assert body["message_id"].startswith("<")
    outbound = OutboundEmail.objects.get(message_id=body["id"])
    assert outbound.status == OutboundEmail.Status.QUEUED
    assert len(callbacks) == 1  # the send task, only after commit
    assert mail.outbox == []
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CUSTOMER


def test_reply_with_null_status_after_keeps_the_status(
    api, inbox, django_capture_on_commit_callbacks
):
    # given
    ticket = TicketFactory(inbox=inbox, status=Status.OPEN)
    # when
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(
            url("ticket-reply", ticket.reference),
            {"body": "Update", "status_after": None},
            format="json",
        )
    # then
    assert response.status_code == 201
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_reply_on_a_closed_ticket_is_refused_with_a_message(api, inbox):
    # given
    ticket = TicketFactory(inbox=inbox, status=Status.CLOSED)
    # when
    response = api.post(
        url("ticket-reply", ticket.reference), {"body": "Hi"}, format="json"
    )
    # then
    assert response.status_code == 400
    assert "closed" in response.json()["detail"]
    assert not OutboundEmail.objects.exists()


def test_note_is_added_without_an_email(api, agent, ticket):
    # when
    response = api.post(
        url("ticket-notes", ticket.reference), {"body": "Call back"}, format="json"
    )
    # then
    assert response.status_code == 201
    assert response.json()["kind"] == "note"
    assert response.json()["delivery"] is None
    assert ticket.messages.get().author_user == agent
    assert not OutboundEmail.objects.exists()


def test_empty_note_is_a_400(api, ticket):
    # when
    response = api.post(url("ticket-notes", ticket.reference), {"body": ""})
    # then
    assert response.status_code == 400
    assert "body" in response.json()


def test_messages_list_the_thread_with_headers_and_delivery(
    api, agent, inbox, django_capture_on_commit_callbacks
):
    # given
    ticket = services.ticket_create(
        inbox=inbox,
        customer=CustomerFactory(),
        subject="Broken",
        body_text="It broke.",
        message_id="<first@mail.example>",
    )
    with django_capture_on_commit_callbacks(execute=False):
        services.ticket_reply(ticket=ticket, actor=agent, body_text="Sorry!")
    services.ticket_add_note(ticket=ticket, actor=agent, body_text="Check stock")
    # when
    response = api.get(url("ticket-messages", ticket.reference))
    # then
    assert response.status_code == 200
    inbound, reply, note = response.json()["results"]
    assert (inbound["kind"], reply["kind"], note["kind"]) == (
        Message.Kind.INBOUND,
        Message.Kind.REPLY,
        Message.Kind.NOTE,
    )
    assert inbound["author_customer"]["id"] == ticket.customer_id
    assert inbound["delivery"] is None
    assert reply["in_reply_to"] == "<first@mail.example>"
    assert reply["delivery"]["status"] == "queued"
    assert inbound["attachments"] == []


def test_events_list_the_audit_trail(api, agent, ticket):
    # given
    services.ticket_transition(ticket=ticket, to=Status.OPEN, actor=agent)
    services.ticket_claim(ticket=ticket, actor=agent)
    # when
    response = api.get(url("ticket-events", ticket.reference))
    # then
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["kind"], r["to_value"]) for r in rows] == [
        ("status", "open"),
        ("assigned", agent.username),
    ]
    assert rows[0]["actor"]["username"] == agent.username


# --- schema and unknown paths -------------------------------------------------


def test_schema_documents_the_api(db):
    # when
    response = APIClient().get(reverse("schema"), {"format": "json"})
    # then
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/tickets/",
        "/api/v1/tickets/{reference}/transition/",
        "/api/v1/tickets/{reference}/reply/",
        "/api/v1/customers/{customer_id}/",
        "/api/v1/inboxes/{slug}/members/",
    ):
        assert path in paths


def test_unknown_api_path_is_a_json_404(api):
    # when
    response = api.get("/api/v1/nothing-here/")
    # then
    assert response.status_code == 404
    assert response.json() == {"detail": "No such API endpoint."}


def test_manager_role_is_reported(db, inbox, manager):
    # given
    client = APIClient()
    client.force_login(manager)
    # when
    response = client.get(url("inbox-list"))
    # then
    assert response.json()[0]["membership"]["role"] == Membership.Role.MANAGER
