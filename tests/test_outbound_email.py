"""Reply -> outbox -> real Celery worker -> real SMTP server, with threading."""

import time

import pytest

from tickets import services
from tickets.models import OutboundEmail, TicketEvent
from tickets.tests.factories import CustomerFactory, InboxFactory, MembershipFactory


def _wait_until(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.worker
def test_reply_reaches_smtp_server_through_a_worker_with_threading_headers(
    celery_worker_process, smtp_server
):
    # given a ticket opened by a customer's email
    inbox = InboxFactory(
        name="Support",
        email_address="support@amends.example",
        reference_prefix="SUP",
        signature="Alex, Amends Support",
    )
    agent = MembershipFactory(inbox=inbox).user
    customer = CustomerFactory(email="ella@example.com")
    ticket = services.ticket_create(
        inbox=inbox,
        customer=customer,
        subject="My parcel is two weeks late",
        body_text="Where is order 4711?",
        message_id="<first@mail.example.com>",
    )
    # when the agent replies
    reply = services.ticket_reply(
        ticket=ticket, actor=agent, body_text="I am sorry, let me check that now."
    )
    # then the worker delivers it with the headers that thread it
    [sent] = smtp_server.wait_for(1)
    assert sent["Message-ID"] == reply.message_id
    assert sent["In-Reply-To"] == "<first@mail.example.com>"
    assert "<first@mail.example.com>" in sent["References"]
    assert f"[{ticket.reference}]" in sent["Subject"]
    assert sent["To"] == "ella@example.com"
    assert sent["Reply-To"] == f"support+{ticket.reply_token}@amends.example"
    assert "Alex, Amends Support" in sent.get_content()
    assert _wait_until(
        lambda: OutboundEmail.objects.get(message=reply).status == "sent"
    ), "the outbox row shows the delivery"
    assert TicketEvent.objects.filter(
        ticket=ticket, kind=TicketEvent.Kind.DELIVERY, to_value="sent"
    ).exists()
