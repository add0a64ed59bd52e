"""A whole service recovery in a real browser: the agent runs the case from
the ticket page, a manager approves the offer in a second browser context,
and the case closes with its post-mortem."""

import re

import pytest
from playwright.sync_api import expect

from helpdesk.celery import app as celery_app
from recovery.models import Offer, RecoveryCase
from tests.conftest import PASSWORD
from tickets import services
from tickets.tests.factories import ComponentFactory, CustomerFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def eager_celery(settings):
    """Run tasks inline when their transaction commits (no worker needed)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def manager_page(browser, live_server):
    """A second, separate browser (own cookies) for the manager."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1440, "height": 900}
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_a_whole_recovery_with_a_manager_approving(
    transactional_db,
    live_server,
    page,
    manager_page,
    login,
    eager_celery,
    mailoutbox,
    artifacts,
    inbox,
    agent,
    manager,
):
    # given a customer whose parcel came a week late
    ComponentFactory(name="Courier partner")
    customer = CustomerFactory(name="Ada Lovelace", email="ada@mail.example")
    ticket = services.ticket_create(
        inbox=inbox,
        customer=customer,
        subject="Where is my parcel?",
        body_text="It was promised for Monday. It is Friday.",
    )
    login(agent)
    page.goto(ticket.get_absolute_url())
    panel = page.locator("#recovery")

    # when the agent opens a recovery case
    panel.get_by_text("Open a recovery case", exact=True).click()
    panel.get_by_label("Failure type").select_option("late_delivery")
    panel.get_by_role("group", name="Severity").get_by_label("Major").check()
    panel.get_by_role("group", name="Could we have prevented it?").get_by_label(
        "No"
    ).check()
    panel.get_by_role(
        "group", name="Could the customer have foreseen it?"
    ).get_by_label("No").check()
    panel.get_by_label("What went wrong").fill("Courier lost the parcel for a week.")
    panel.get_by_role("button", name="Open case").click()
    expect(panel.get_by_test_id("case-status")).to_have_text("Opened")
    expect(panel).to_contain_text("Outlook: Doubtful")

    # and apologises by email with the prefilled first-person text
    apology = panel.get_by_label("Apology")
    expect(apology).to_have_value(re.compile("I am sorry that your order did not"))
    panel.get_by_label("Send by email").check()
    page.screenshot(path=artifacts / "recovery-apology.png", full_page=True)
    panel.get_by_role("button", name="Apologise").click()
    expect(panel.get_by_test_id("case-status")).to_have_text("Acknowledged")
    assert mailoutbox[-1].to == ["ada@mail.example"]
    assert "I am sorry" in mailoutbox[-1].body

    # and records what they understood
    panel.get_by_label("The customer's account").fill("Waited at home all week.")
    panel.get_by_label("Chain of events").fill("Courier scanned it, then lost it.")
    panel.get_by_label("Cause as we see it").fill("A mix-up at the courier depot.")
    panel.get_by_label("What would the customer consider fair?").fill(
        "Shipping refunded and something for the trouble."
    )
    panel.get_by_role("button", name="Record understanding").click()
    expect(panel.get_by_test_id("case-status")).to_have_text("Understood")

    # and offers more than their EUR 50 authority
    panel.get_by_text("Make an offer", exact=True).click()
    panel.get_by_label("Kind").select_option("refund")
    panel.get_by_label("Amount").fill("80.00")
    panel.get_by_label("Description").fill("Shipping and part of the price back")
    panel.get_by_role("button", name="Make offer").click()
    expect(page.locator(".flash")).to_contain_text("manager")
    expect(panel.get_by_test_id("offer")).to_contain_text("Waiting for approval")

    # then the manager, in another browser, sees it waiting and approves EUR 60
    sign_in(manager_page, manager)
    nav = manager_page.get_by_role("navigation", name="Main")
    approvals = nav.get_by_role("link", name=re.compile("Approvals"))
    expect(approvals).to_contain_text("1")
    approvals.click()
    item = manager_page.get_by_test_id("approval")
    expect(item).to_contain_text("Shipping and part of the price back")
    expect(item).to_contain_text(ticket.reference)
    item.get_by_label("Amount (EUR)").fill("60.00")
    item.get_by_label("Reason or note").fill("Generous but proportionate.")
    manager_page.screenshot(path=artifacts / "recovery-approval.png", full_page=True)
    item.get_by_role("button", name="Approve").click()
    expect(manager_page.get_by_text("Nothing waits for your approval.")).to_be_visible()
    assert "approved" in mailoutbox[-1].subject.lower()
    assert mailoutbox[-1].to == [agent.email]

    # and the agent sees the decision and records that the customer accepted
    page.reload()
    offer = panel.get_by_test_id("offer")
    expect(offer).to_contain_text("Approved")
    expect(offer).to_contain_text("€60.00")
    offer.get_by_role("button", name="Accepted").click()
    expect(panel.get_by_test_id("offer")).to_contain_text("Customer: Accepted")

    # and resolves, follows up and documents the case
    panel.get_by_label("Solution").fill("Refunded EUR 60 and sent a new parcel.")
    panel.get_by_role("button", name="Resolve").click()
    expect(panel.get_by_test_id("case-status")).to_have_text("Resolved")
    panel.get_by_role("group", name=re.compile("Satisfied")).get_by_label("5").check()
    panel.get_by_label("What they said").fill("Happy, thank you for calling.")
    panel.get_by_role("button", name="Record satisfaction").click()
    expect(panel.get_by_test_id("case-status")).to_have_text("Followed up")
    panel.get_by_label("Root-cause category").select_option("partner")
    panel.get_by_label("Product component").select_option(label="Courier partner")
    panel.get_by_label("Prevention action").fill("Daily check of stuck parcels.")
    panel.get_by_role("button", name="Write post-mortem").click()
    expect(panel.get_by_test_id("case-status")).to_have_text("Documented")
    page.screenshot(path=artifacts / "recovery-documented.png", full_page=True)
    panel.get_by_role("button", name="Close case").click()

    # then the case is closed with its history
    expect(panel).to_contain_text("Last case closed")
    case = RecoveryCase.objects.get(ticket=ticket)
    assert case.status == RecoveryCase.Status.CLOSED
    assert case.post_mortem.component.name == "Courier partner"
    assert case.offers.get().status == Offer.Status.APPROVED
    statuses = list(
        case.events.exclude(to_status="").values_list("to_status", flat=True)
    )
    assert statuses == [
        "opened",
        "acknowledged",
        "understood",
        "resolved",
        "followed_up",
        "documented",
        "closed",
    ]

    # and the manager finds it in the recovery log
    nav = manager_page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Recovery log").click()
    row = manager_page.get_by_test_id("log-row").first
    expect(row).to_contain_text(ticket.reference)
    expect(row).to_contain_text("Closed")
    manager_page.screenshot(path=artifacts / "recovery-log.png", full_page=True)
