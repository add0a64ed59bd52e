"""The agent web interface: visibility, actions, errors, CSRF and query counts."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tickets.models import (
    AgentProfile,
    Attachment,
    Membership,
    Message,
    OutboundEmail,
    Ticket,
    TicketEvent,
)
from tickets.tests.factories import (
    CustomerFactory,
    InboxFactory,
    MembershipFactory,
    MessageFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db

Status = Ticket.Status


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def foreign_ticket():
    """A ticket in an inbox the agent is not a member of."""
    return TicketFactory(inbox=InboxFactory(), subject="Someone else's problem")


def detail_url(ticket: Ticket) -> str:
    return reverse("tickets:ticket-detail", args=[ticket.reference])


def action_url(name: str, ticket: Ticket) -> str:
    return reverse(f"tickets:{name}", args=[ticket.reference])


# --- visibility --------------------------------------------------------------


def test_list_shows_only_tickets_of_the_users_inboxes(agent_client, inbox):
    # given
    mine = TicketFactory(inbox=inbox, subject="Parcel never arrived")
    foreign = TicketFactory(inbox=InboxFactory(), subject="Invoice in another team")
    # when
    response = agent_client.get(reverse("tickets:ticket-list"))
    # then
    assert response.status_code == 200
    assert mine.reference in response.text
    assert foreign.reference not in response.text
    assert "Invoice in another team" not in response.text


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    # when
    response = client.get(reverse("tickets:ticket-list"))
    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_ticket_page_of_another_inbox_is_404(agent_client, foreign_ticket):
    # when
    response = agent_client.get(detail_url(foreign_ticket))
    # then
    assert response.status_code == 404
    assert "you cannot see it" in response.text


def test_history_of_a_ticket_loads_on_its_own_and_not_for_others(
    agent_client, ticket, foreign_ticket
):
    # given a status change on the ticket
    agent_client.post(action_url("ticket-status", ticket), {"status": Status.OPEN})
    # when the page and its history are fetched
    page = agent_client.get(detail_url(ticket)).text
    history = agent_client.get(action_url("ticket-history", ticket)).text
    foreign = agent_client.get(action_url("ticket-history", foreign_ticket))
    # then the page links the history, which tells the change
    assert f'hx-get="{action_url("ticket-history", ticket)}"' in page
    assert "changed the status from New to Open" in history
    assert foreign.status_code == 404


FOREIGN_POSTS = [
    ("ticket-reply", {"reply-body_text": "Hello", "reply-status_after": ""}),
    ("ticket-note", {"note-body_text": "Psst"}),
    ("ticket-assign", {"assignee": ""}),
    ("ticket-claim", {}),
    ("ticket-status", {"status": Status.OPEN}),
    ("ticket-properties", {"priority": Ticket.Priority.URGENT}),
]


@pytest.mark.parametrize(("name", "data"), FOREIGN_POSTS)
def test_every_action_on_a_ticket_of_another_inbox_is_404(
    agent_client, foreign_ticket, name, data
):
    # when
    response = agent_client.post(action_url(name, foreign_ticket), data)
    # then
    assert response.status_code == 404
    foreign_ticket.refresh_from_db()
    assert foreign_ticket.assignee is None
    assert foreign_ticket.status == Status.NEW
    assert foreign_ticket.priority == Ticket.Priority.NORMAL
    assert not foreign_ticket.messages.exists()
    assert not TicketEvent.objects.filter(ticket=foreign_ticket).exists()


def test_retrying_a_reply_of_another_inbox_is_404(agent_client, foreign_ticket):
    # given
    reply = MessageFactory(ticket=foreign_ticket, kind=Message.Kind.REPLY)
    outbound = OutboundEmail.objects.create(
        message=reply, status=OutboundEmail.Status.FAILED
    )
    url = reverse("tickets:message-retry", args=[foreign_ticket.reference, reply.pk])
    # when
    response = agent_client.post(url)
    # then
    assert response.status_code == 404
    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.FAILED


def _attachment_on(ticket: Ticket) -> Attachment:
    attachment = Attachment(
        message=MessageFactory(ticket=ticket), filename="receipt.pdf", size=4
    )
    attachment.file.save("receipt.pdf", ContentFile(b"%PDF"), save=True)
    return attachment


def test_attachment_downloads_from_a_visible_ticket(agent_client, ticket):
    # given
    attachment = _attachment_on(ticket)
    url = reverse("tickets:attachment-download", args=[ticket.reference, attachment.pk])
    # when
    response = agent_client.get(url)
    # then
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"%PDF"


def test_attachment_of_another_inbox_is_404(agent_client, foreign_ticket):
    # given
    attachment = _attachment_on(foreign_ticket)
    url = reverse(
        "tickets:attachment-download", args=[foreign_ticket.reference, attachment.pk]
    )
    # when
    response = agent_client.get(url)
    # then
    assert response.status_code == 404


def test_customer_without_visible_tickets_is_404(agent_client, foreign_ticket):
    # when
    url = reverse("tickets:customer-detail", args=[foreign_ticket.customer_id])
    response = agent_client.get(url)
    # then
    assert response.status_code == 404


def test_customer_list_shows_only_customers_with_visible_tickets(
    agent_client, inbox, foreign_ticket
):
    # given
    visible = TicketFactory(inbox=inbox, customer__email="ada@mail.example").customer
    # when
    response = agent_client.get(reverse("tickets:customer-list"))
    # then
    assert visible.email in response.text
    assert foreign_ticket.customer.email not in response.text


def test_customer_page_lists_their_visible_tickets(agent_client, inbox):
    # given
    ticket = TicketFactory(inbox=inbox, subject="Wrong size delivered")
    # when
    response = agent_client.get(ticket.customer.get_absolute_url())
    # then
    assert response.status_code == 200
    assert "Wrong size delivered" in response.text
    assert ticket.customer.email in response.text


# --- ticket actions ----------------------------------------------------------


def test_reply_creates_a_queued_reply_and_the_page_shows_it(
    agent_client, ticket, django_capture_on_commit_callbacks
):
    # given
    data = {
        "reply-body_text": "Your refund is on its way.",
        "reply-status_after": Status.WAITING_CUSTOMER,
    }
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = agent_client.post(
            action_url("ticket-reply", ticket), data, follow=True
        )
    # then
    reply = ticket.messages.get(kind=Message.Kind.REPLY)
    assert reply.body_text == "Your refund is on its way."
    assert reply.outbound.status == OutboundEmail.Status.QUEUED
    assert len(callbacks) == 1  # the send task, only after commit
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CUSTOMER
    assert "Your refund is on its way." in response.text
    assert "Queued" in response.text


def test_empty_reply_is_refused_with_a_message(agent_client, ticket):
    # when
    response = agent_client.post(
        action_url("ticket-reply", ticket), {"reply-body_text": "  "}, follow=True
    )
    # then
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert not ticket.messages.exists()


def test_reply_to_a_closed_ticket_shows_the_error_and_keeps_the_draft(
    agent_client, inbox
):
    # given
    ticket = TicketFactory(inbox=inbox, status=Status.CLOSED)
    # when
    response = agent_client.post(
        action_url("ticket-reply", ticket),
        {"reply-body_text": "One more thing", "reply-status_after": ""},
    )
    # then
    assert response.status_code == 200
    assert "This ticket is closed" in response.text
    assert not ticket.messages.exists()


def test_note_is_added_and_shown_as_internal(agent_client, ticket):
    # when
    response = agent_client.post(
        action_url("ticket-note", ticket),
        {"note-body_text": "Customer called, very upset."},
        follow=True,
    )
    # then
    note = ticket.messages.get()
    assert note.kind == Message.Kind.NOTE
    assert not OutboundEmail.objects.exists()
    assert 'class="msg msg-note"' in response.text
    assert "Customer called, very upset." in response.text


def test_invalid_transition_shows_an_error_and_keeps_the_status(agent_client, inbox):
    # given
    ticket = TicketFactory(inbox=inbox, status=Status.CLOSED)
    # when
    response = agent_client.post(
        action_url("ticket-status", ticket), {"status": Status.OPEN}, follow=True
    )
    # then
    assert response.status_code == 200
    assert "cannot move from" in response.text
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_allowed_transition_changes_the_status(agent_client, ticket):
    # when
    agent_client.post(action_url("ticket-status", ticket), {"status": Status.RESOLVED})
    # then
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.events.filter(kind=TicketEvent.Kind.STATUS).count() == 1


def test_status_select_offers_only_allowed_transitions(agent_client, inbox):
    # given
    ticket = TicketFactory(inbox=inbox, status=Status.RESOLVED)
    # when
    response = agent_client.get(detail_url(ticket))
    # then
    options = response.context["status_form"]["status"].field.widget.choices
    assert {value for value, _label in options} == {Status.OPEN, Status.CLOSED}


def test_claim_assigns_the_ticket_to_me(agent_client, agent, ticket):
    # when
    response = agent_client.post(action_url("ticket-claim", ticket), follow=True)
    # then
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert "Assigned to me" in response.text


def test_claim_over_htmx_returns_fresh_fragments_not_a_page(agent_client, ticket):
    # when
    response = agent_client.post(
        action_url("ticket-claim", ticket), HTTP_HX_REQUEST="true"
    )
    # then
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="ticket-sidebar"' in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert "Assigned to me" in response.text


def test_status_change_over_htmx_keeps_the_draft_but_refreshes_reply_statuses(
    agent_client, ticket
):
    # when
    response = agent_client.post(
        action_url("ticket-status", ticket),
        {"status": Status.RESOLVED},
        HTTP_HX_REQUEST="true",
    )
    # then
    assert 'id="ticket-composer"' not in response.text  # the draft stays put
    assert 'id="reply-status-after" class="inline-label" hx-swap-oob="true"' in (
        response.text
    )
    assert "Keep “Resolved”" in response.text


def test_assign_to_a_colleague_of_the_inbox(agent_client, inbox, ticket):
    # given
    colleague = MembershipFactory(inbox=inbox, user__username="sam").user
    # when
    agent_client.post(action_url("ticket-assign", ticket), {"assignee": colleague.pk})
    # then
    ticket.refresh_from_db()
    assert ticket.assignee == colleague


def test_assign_to_someone_outside_the_inbox_is_refused(agent_client, ticket):
    # given
    outsider = MembershipFactory(inbox=InboxFactory()).user
    # when
    response = agent_client.post(
        action_url("ticket-assign", ticket), {"assignee": outsider.pk}, follow=True
    )
    # then
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert "Select a valid choice" in response.text


def test_properties_update_priority_category_and_tags(agent_client, ticket):
    # when
    agent_client.post(
        action_url("ticket-properties", ticket),
        {
            "priority": Ticket.Priority.HIGH,
            "category": Ticket.Category.BILLING,
            "component": "",
            "tags": "Refund, vip ,",
        },
    )
    # then
    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.HIGH
    assert ticket.category == Ticket.Category.BILLING
    assert ticket.tags == ["refund", "vip"]


def test_failed_reply_shows_the_error_and_retry_queues_it_again(
    agent_client, ticket, django_capture_on_commit_callbacks
):
    # given
    reply = MessageFactory(ticket=ticket, kind=Message.Kind.REPLY)
    outbound = OutboundEmail.objects.create(
        message=reply,
        status=OutboundEmail.Status.FAILED,
        last_error="SMTPRecipientsRefused: no such mailbox",
    )
    page = agent_client.get(detail_url(ticket))
    assert "no such mailbox" in page.text
    url = reverse("tickets:message-retry", args=[ticket.reference, reply.pk])
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        agent_client.post(url)
    # then
    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.QUEUED
    assert len(callbacks) == 1


def test_thread_shows_a_delivery_that_changed_since_the_last_view(agent_client, ticket):
    # given a reply seen while queued
    reply = MessageFactory(ticket=ticket, kind=Message.Kind.REPLY)
    outbound = OutboundEmail.objects.create(message=reply)
    assert "Queued" in agent_client.get(detail_url(ticket)).text
    # when it is sent, then fails
    outbound.status = OutboundEmail.Status.SENT
    outbound.save()
    sent_page = agent_client.get(detail_url(ticket)).text
    outbound.status = OutboundEmail.Status.FAILED
    outbound.last_error = "550 mailbox full"
    outbound.save()
    failed_page = agent_client.get(detail_url(ticket)).text
    # then each view shows the state of the moment
    assert "Sent" in sent_page
    assert "Queued" not in sent_page
    assert "550 mailbox full" in failed_page


def test_thread_shows_an_authors_new_name(agent_client, inbox, ticket):
    # given a colleague's note seen once
    colleague = MembershipFactory(inbox=inbox, user__first_name="Kim").user
    MessageFactory(ticket=ticket, kind=Message.Kind.NOTE, author_user=colleague)
    assert "<strong>Kim" in agent_client.get(detail_url(ticket)).text
    # when the colleague changes their name
    colleague.first_name = "Kimberly"
    colleague.save()
    # then the thread names them anew
    assert "<strong>Kimberly" in agent_client.get(detail_url(ticket)).text


def test_thread_is_in_the_language_of_each_reader(client, inbox, ticket):
    # given an English and a German member, and a note in the thread
    MessageFactory(ticket=ticket, kind=Message.Kind.NOTE, body_text="Call back")
    english = MembershipFactory(inbox=inbox).user
    german = MembershipFactory(inbox=inbox).user
    AgentProfile.objects.update_or_create(user=german, defaults={"language": "de"})
    # when both open the ticket, one after the other
    client.force_login(english)
    english_page = client.get(detail_url(ticket)).text
    client.force_login(german)
    german_page = client.get(detail_url(ticket)).text
    # then
    assert "Internal note" in english_page
    assert "Interne Notiz" in german_page


def test_ticket_page_links_the_closed_ticket_it_continues(agent_client, inbox):
    # given a ticket opened by a reply to a closed one
    earlier = TicketFactory(inbox=inbox, status=Status.CLOSED)
    later = TicketFactory(inbox=inbox, linked_to=earlier)
    # when its page is opened
    page = agent_client.get(detail_url(later)).text
    # then the header links the earlier ticket
    assert f'<a href="{detail_url(earlier)}">continues {earlier.reference}</a>' in page


def test_list_rows_show_changes_made_since_the_last_view(agent_client, inbox):
    # given a list seen once
    customer = CustomerFactory(name="Jo Old")
    ticket = TicketFactory(inbox=inbox, customer=customer, status=Status.OPEN)
    list_url = reverse("tickets:ticket-list")
    assert "Jo Old" in agent_client.get(list_url, {"view": "all"}).text
    # when the customer is renamed
    customer.name = "Jo New"
    customer.save()
    renamed = agent_client.get(list_url, {"view": "all"}).text
    # and the ticket assigned to a colleague who then changes their name
    colleague = MembershipFactory(inbox=inbox).user
    Ticket.objects.filter(pk=ticket.pk).update(assignee=colleague)
    agent_client.get(list_url, {"view": "all"})
    colleague.first_name, colleague.last_name = "Alex", "Row"
    colleague.save()
    reassigned = agent_client.get(list_url, {"view": "all"}).text
    # then each view shows the state of the moment
    assert "Jo New" in renamed
    assert "Jo Old" not in renamed
    assert 'avatar-xs">AR</span>Alex Row' in reassigned


def test_list_rows_keep_the_relative_time_current(agent_client, inbox):
    # given a ticket last touched two hours ago, seen once
    two_hours_ago = timezone.now() - timedelta(hours=2)
    TicketFactory(inbox=inbox, status=Status.OPEN, updated_at=two_hours_ago)
    list_url = reverse("tickets:ticket-list")
    agent_client.get(list_url, {"view": "all"})
    # when the clock moves on a day
    later = timezone.now() + timedelta(days=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        page = agent_client.get(list_url, {"view": "all"}).text
    # then the row tells the new age
    assert "1\xa0day ago" in page


def test_navigation_follows_renamed_inboxes_new_memberships_and_the_page(
    agent_client, inbox, agent
):
    # given a navigation seen once
    list_url = reverse("tickets:ticket-list")
    assert ">Support<" in agent_client.get(list_url, {"view": "mine"}).text
    # when the inbox is renamed and the agent joins another one
    inbox.name = "Customer care"
    inbox.save()
    MembershipFactory(user=agent, inbox=InboxFactory(name="Billing"))
    mine = agent_client.get(list_url, {"view": "mine"}).text
    unassigned = agent_client.get(list_url, {"view": "unassigned"}).text
    # then both inboxes show, and each page marks its own entry
    assert ">Customer care<" in mine
    assert ">Billing<" in mine
    assert ">Support<" not in mine
    assert re.search(r'view=mine" class="nav-item is-active"', mine)
    assert re.search(r'view=unassigned" class="nav-item is-active"', unassigned)
    assert not re.search(r'view=mine" class="nav-item is-active"', unassigned)


def test_navigation_is_never_shared_between_users(client, inbox):
    # given two agents of different inboxes, the first has seen a page
    first = MembershipFactory(inbox=inbox).user
    second = MembershipFactory(inbox=InboxFactory(name="Billing")).user
    client.force_login(first)
    client.get(reverse("tickets:ticket-list"))
    # when the second opens the same page
    client.force_login(second)
    page = client.get(reverse("tickets:ticket-list")).text
    # then only their own inbox is in their navigation
    assert ">Billing<" in page
    assert ">Support<" not in page


def test_retry_form_carries_the_readers_own_csrf_token(inbox, ticket):
    # given a failed reply that one member has already looked at
    reply = MessageFactory(ticket=ticket, kind=Message.Kind.REPLY)
    OutboundEmail.objects.create(
        message=reply, status=OutboundEmail.Status.FAILED, last_error="refused"
    )
    first = Client()
    first.force_login(MembershipFactory(inbox=inbox).user)
    first.get(detail_url(ticket))
    # when another member retries from their own page
    second = Client(enforce_csrf_checks=True)
    second.force_login(MembershipFactory(inbox=inbox).user)
    page = second.get(detail_url(ticket)).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    url = reverse("tickets:message-retry", args=[ticket.reference, reply.pk])
    response = second.post(url, {"csrfmiddlewaretoken": token})
    # then the token on the page is theirs and is accepted
    assert response.status_code in (200, 302)


def test_post_without_csrf_token_is_rejected(agent, ticket):
    # given
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    # when
    response = client.post(action_url("ticket-claim", ticket))
    # then
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.assignee is None


# --- list: filters and query count -------------------------------------------


def _list_query_count(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("tickets:ticket-list"), {"view": "all"})
    assert response.status_code == 200
    return len(queries)


def test_list_runs_the_same_number_of_queries_for_5_and_25_tickets(
    agent_client, inbox, agent
):
    # given
    TicketFactory.create_batch(5, inbox=inbox, assignee=agent)
    few = _list_query_count(agent_client)
    TicketFactory.create_batch(20, inbox=inbox, assignee=agent)
    # when
    many = _list_query_count(agent_client)
    # then
    assert many == few


def _page_query_count(client: Client, ticket: Ticket) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(detail_url(ticket)).status_code == 200
    return len(queries)


def test_ticket_page_queries_do_not_grow_with_the_thread(agent_client, ticket):
    # given a thread of 3 messages, one of them a reply with an attachment
    MessageFactory.create_batch(2, ticket=ticket)
    reply = MessageFactory(ticket=ticket, kind=Message.Kind.REPLY)
    OutboundEmail.objects.create(message=reply)
    Attachment.objects.create(
        message=reply, file=ContentFile(b"x", name="a.txt"), filename="a.txt", size=1
    )
    short_cold = _page_query_count(agent_client, ticket)
    short_warm = _page_query_count(agent_client, ticket)
    # when it grows to 20 messages
    MessageFactory.create_batch(17, ticket=ticket)
    long_cold = _page_query_count(agent_client, ticket)
    long_warm = _page_query_count(agent_client, ticket)
    # then messages not rendered yet cost the same two queries, however many
    assert long_cold == short_cold
    assert long_warm == short_warm == short_cold - 2


# --- navigation counts -------------------------------------------------------


def _badges(client: Client) -> dict[str, str]:
    """The counts the navigation swaps in, by entry."""
    text = client.get(reverse("tickets:nav-counts")).content.decode()
    found = re.findall(r'id="nav-count-([a-z_]+)".*?>(.*?)</span>', text)
    return dict(found)


def test_navigation_counts_open_work_of_the_users_inboxes_only(
    agent_client, inbox, agent, foreign_ticket
):
    # given
    TicketFactory.create_batch(2, inbox=inbox, assignee=agent)
    TicketFactory(inbox=inbox)
    TicketFactory(inbox=inbox, assignee=agent, status=Status.CLOSED)
    # when
    badges = _badges(agent_client)
    # then: no manager or quarantine entries for an agent
    assert badges == {
        "mine": "2",
        "unassigned": "1",
        "all": "3",
        "followups_due": "",
        "promises_overdue": "",
        "unread": "",
    }


def test_navigation_counts_stop_at_99(agent_client, inbox):
    TicketFactory.create_batch(100, inbox=inbox)
    assert _badges(agent_client)["unassigned"] == "99+"


def test_navigation_counts_are_one_statement_whatever_the_entries(
    client, inbox, django_assert_max_num_queries
):
    # given a manager and staff member, who sees every entry
    manager = MembershipFactory(inbox=inbox, role="manager").user
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    # then: session, user, profile, memberships, counts
    with django_assert_max_num_queries(5):
        badges = _badges(client)
    assert {"approvals", "quarantined"} <= badges.keys()


def test_navigation_counts_need_a_login(client):
    response = client.get(reverse("tickets:nav-counts"))
    assert response.status_code == 302


def test_pages_load_the_counts_when_shown_and_every_minute(agent_client):
    page = agent_client.get(reverse("tickets:ticket-list")).content.decode()
    assert f'hx-get="{reverse("tickets:nav-counts")}"' in page
    assert 'hx-trigger="load, every 60s"' in page


@pytest.fixture
def assorted(inbox, agent):
    """One ticket per filter, so each filter picks out exactly one subject."""
    other_inbox = InboxFactory(slug="billing")
    MembershipFactory(inbox=other_inbox, user=agent)
    return {
        "mine": TicketFactory(inbox=inbox, assignee=agent, subject="Mine to do"),
        "taken": TicketFactory(
            inbox=inbox, assignee=MembershipFactory(inbox=inbox).user, subject="X"
        ),
        "urgent": TicketFactory(
            inbox=inbox,
            subject="Urgent one",
            priority=Ticket.Priority.URGENT,
            assignee=MembershipFactory(inbox=inbox).user,
        ),
        "resolved": TicketFactory(
            inbox=inbox, subject="Resolved one", status=Status.RESOLVED
        ),
        "billing": TicketFactory(
            inbox=other_inbox,
            subject="In billing",
            assignee=MembershipFactory(inbox=other_inbox).user,
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected", "absent"),
    [
        ({"view": "mine"}, "Mine to do", "Urgent one"),
        ({"view": "unassigned", "status": "any"}, "Resolved one", "Mine to do"),
        ({"status": Status.RESOLVED}, "Resolved one", "Mine to do"),
        ({}, "Mine to do", "Resolved one"),
        ({"priority": Ticket.Priority.URGENT}, "Urgent one", "Mine to do"),
        ({"inbox": "billing"}, "In billing", "Mine to do"),
        ({"q": "urgent"}, "Urgent one", "Mine to do"),
    ],
)
def test_list_filters(agent_client, assorted, params, expected, absent):
    # when
    response = agent_client.get(reverse("tickets:ticket-list"), params)
    # then
    assert expected in response.text
    assert absent not in response.text


def test_list_over_htmx_returns_only_the_results(agent_client, assorted):
    # when
    response = agent_client.get(
        reverse("tickets:ticket-list"), {"view": "mine"}, HTTP_HX_REQUEST="true"
    )
    # then
    assert 'id="ticket-results"' in response.text
    assert "<html" not in response.text
    assert "Mine to do" in response.text


def test_list_links_to_the_next_page_when_there_is_one(agent_client, inbox):
    # given
    TicketFactory.create_batch(26, inbox=inbox)
    # when
    response = agent_client.get(reverse("tickets:ticket-list"))
    # then
    assert len(response.context["tickets"]) == 25
    assert "page=2" in response.text


# --- profile -----------------------------------------------------------------


def test_profile_shows_memberships_with_authority_limits(agent_client, inbox):
    # when
    response = agent_client.get(reverse("tickets:profile"))
    # then
    assert inbox.name in response.text
    assert "€50.00" in response.text
    assert "€300.00" in response.text


def test_saving_preferences_creates_the_profile(agent_client, agent):
    # when
    agent_client.post(
        reverse("tickets:profile"), {"language": "de", "time_zone": "Europe/Vienna"}
    )
    # then
    profile = AgentProfile.objects.get(user=agent)
    assert (profile.language, profile.time_zone) == ("de", "Europe/Vienna")


@pytest.mark.parametrize(
    ("was_away", "posted", "is_away"), [(False, "true", True), (True, "false", False)]
)
def test_away_toggle_switches_availability_in_one_inbox(
    agent_client, agent, inbox, was_away, posted, is_away
):
    # given
    membership = Membership.objects.get(user=agent, inbox=inbox)
    Membership.objects.filter(pk=membership.pk).update(is_away=was_away)
    url = reverse("tickets:membership-away", args=[membership.pk])
    # when
    agent_client.post(url, {"is_away": posted})
    # then
    membership.refresh_from_db()
    assert membership.is_away is is_away


def test_away_toggle_of_someone_elses_membership_is_404(agent_client, inbox):
    # given
    other = MembershipFactory(inbox=inbox)
    url = reverse("tickets:membership-away", args=[other.pk])
    # when
    response = agent_client.post(url, {"is_away": "true"})
    # then
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.is_away is False


def test_login_page_renders_and_logout_is_a_post(agent_client):
    # when
    page = agent_client.get(reverse("tickets:ticket-list"))
    # then
    assert f'action="{reverse("logout")}"' in page.text
    assert Client().get(reverse("login")).status_code == 200
    assert agent_client.post(reverse("logout")).status_code == 302


def test_customer_search_by_email(agent_client, inbox):
    # given
    TicketFactory(inbox=inbox, customer=CustomerFactory(email="zoe@mail.example"))
    TicketFactory(inbox=inbox, customer=CustomerFactory(email="max@mail.example"))
    # when
    response = agent_client.get(reverse("tickets:customer-list"), {"q": "zoe"})
    # then
    assert "zoe@mail.example" in response.text
    assert "max@mail.example" not in response.text
