"""An agent works a ticket in a real browser: claim, reply, see it delivered."""

import re

import pytest
from playwright.sync_api import expect

from helpdesk.celery import app as celery_app
from tickets import services
from tickets.tests.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def eager_celery(settings):
    """Run the send task inline when the reply commits (no worker needed)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # The Celery app copies its configuration on first use; set it there too.
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def test_agent_claims_an_unassigned_ticket_and_replies(
    transactional_db,
    live_server,
    page,
    login,
    eager_celery,
    mailoutbox,
    artifacts,
    inbox,
    agent,
):
    # given an unassigned ticket opened by a customer's email, among others
    customer = CustomerFactory(name="Ada Lovelace", email="ada@mail.example")
    ticket = services.ticket_create(
        inbox=inbox,
        customer=customer,
        subject="Parcel arrived damaged",
        body_text="Hello,\n\nthe box was crushed and the lamp inside is broken.\n\nAda",
    )
    TicketFactory.create_batch(3, inbox=inbox)
    login(agent)

    # when the agent opens the unassigned view and the ticket
    page.goto("/")
    # (the navigation's counts arrive right after the page)
    expect(page.get_by_test_id("nav-count-unassigned")).to_have_text("4")
    page.get_by_role("link", name=re.compile("^Unassigned")).first.click()
    expect(page.locator("#ticket-results")).to_contain_text(ticket.reference)
    page.screenshot(path=artifacts / "list.png", full_page=True)
    page.get_by_role("link", name="Parcel arrived damaged").click()
    expect(page.locator("#ticket-header")).to_contain_text(ticket.reference)

    # and claims it
    page.get_by_role("button", name="Claim").click()
    expect(page.locator("#ticket-sidebar")).to_contain_text("Assigned to me")

    # and sends a reply
    page.locator("textarea[name='reply-body_text']").fill(
        "Dear Ada, I am sorry. A replacement lamp leaves our warehouse today."
    )
    page.get_by_role("button", name="Send reply").click()

    # then the reply shows in the thread with its delivery state
    reply = page.locator(".msg-reply").last
    expect(reply).to_contain_text("A replacement lamp leaves our warehouse today.")
    expect(reply.locator(".delivery")).to_have_text(re.compile("Queued|Sending|Sent"))
    # and the email went out with the ticket reference in its subject
    assert len(mailoutbox) == 1
    assert ticket.reference in mailoutbox[0].subject
    assert mailoutbox[0].to == ["ada@mail.example"]
    # and after a reload the page reports it as sent
    page.reload()
    expect(page.locator(".msg-reply .delivery")).to_have_text(re.compile("Sent"))
    expect(page.locator("#ticket-header")).to_contain_text("Waiting on customer")
    # and the history, loaded on opening, records the claim
    page.locator("#ticket-sidebar").get_by_text("History", exact=True).click()
    expect(page.locator("#ticket-sidebar .events")).to_contain_text("assigned it to")
    page.screenshot(path=artifacts / "ticket.png", full_page=True)
