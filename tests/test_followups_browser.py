"""An agent sends a delay notice with a new date from the ticket page in a
real browser, warned by the bell that the promise is at risk."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followups import services
from followups.models import Promise
from helpdesk.celery import app as celery_app
from tickets.models import Message
from tickets.tests.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def eager_celery(settings):
    """Run the send task inline when the notice commits (no worker needed)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def test_agent_sends_a_delay_notice_with_a_new_date_from_the_ticket_page(
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
    # given a promise about to be missed, flagged by the scan
    customer = CustomerFactory(name="Ada Lovelace", email="ada@mail.example")
    ticket = TicketFactory(
        inbox=inbox, customer=customer, assignee=agent, subject="Where is my lamp?"
    )
    promise = services.promise_create(
        ticket=ticket,
        kind=Promise.Kind.DELIVERY,
        what="Replacement lamp delivered",
        due_at=timezone.now() + timedelta(hours=2),
        actor=agent,
    )
    Promise.objects.filter(pk=promise.pk).update(warn_at=timezone.now())
    services.promise_scan()
    login(agent)

    # when the agent follows the bell to the ticket
    page.goto("/")
    bell = page.get_by_role("link", name=re.compile("^Notifications"))
    expect(bell).to_contain_text("1")
    bell.click()
    expect(page.locator("main")).to_contain_text("promise at risk")
    page.get_by_role("button", name="Go to ticket").first.click()
    expect(page.locator("#ticket-header")).to_contain_text(ticket.reference)

    # then the prepared delay notice is open, in the customer's language
    panel = page.locator("#followups-panel")
    expect(panel).to_contain_text("At risk")
    expect(panel.locator(".fu-preview")).to_contain_text("I am sorry")
    page.screenshot(path=artifacts / "delay-notice.png", full_page=True)

    # and when the agent explains and picks a new, realistic date
    new_due = timezone.localtime(promise.due_at + timedelta(days=2))
    panel.get_by_label("What happened (shown to the customer)").fill(
        "The courier returned the parcel to our warehouse; it leaves again today."
    )
    panel.get_by_label("New realistic date").fill(new_due.strftime("%Y-%m-%dT%H:%M"))
    panel.get_by_role("button", name="Send delay notice").click()

    # then the notice is in the thread and the promise has its new date
    expect(page.locator("#flash")).to_contain_text("Delay notice queued")
    notice = page.locator(".msg-reply").last
    expect(notice).to_contain_text("it leaves again today")
    expect(notice).to_contain_text("My new date for you is")
    expect(page.locator("#followups-panel")).to_contain_text("Renegotiated")
    promise.refresh_from_db()
    assert promise.state == Promise.State.RENEGOTIATED
    assert promise.due_at >= new_due.replace(second=0, microsecond=0)
    assert promise.events.last().message == Message.objects.get(ticket=ticket)
    # and the email went out to the customer
    [email] = mailoutbox
    assert email.to == ["ada@mail.example"]
    assert "it leaves again today" in email.body
    page.screenshot(path=artifacts / "delay-notice-sent.png", full_page=True)

    # and when the agent records a further promise in the form that loads on opening
    panel.get_by_text("Record a promise", exact=True).click()
    panel.get_by_label("What was promised").fill("Call back after delivery")
    panel.get_by_label("Due", exact=True).first.fill(
        (new_due + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    )
    panel.get_by_role("button", name="Record promise").click()

    # then it is listed with the others
    expect(page.locator("#followups-panel")).to_contain_text("Call back after delivery")
    assert ticket.promises.filter(what="Call back after delivery").exists()
