"""The agent pages: the ticket panel, delay notice, follow-up actions, the
lists, notifications and the reply composer's "next update by"."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from followups.models import FollowUp, Notification, Promise
from followups.tests.factories import (
    FollowUpFactory,
    NotificationFactory,
    PromiseFactory,
)
from tickets.models import Message, OutboundEmail, Ticket
from tickets.tests.factories import InboxFactory, MembershipFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def my_ticket(inbox, agent):
    return TicketFactory(inbox=inbox, assignee=agent)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_ticket_page_shows_the_prepared_delay_notice_of_an_at_risk_promise(
    client_agent, my_ticket
):
    # given
    PromiseFactory(ticket=my_ticket, state=Promise.State.AT_RISK, what="Refund 4711")
    # when
    response = client_agent.get(my_ticket.get_absolute_url())
    # then
    assert response.status_code == 200
    text = response.content.decode()
    assert "Promises and follow-ups" in text
    assert "At risk: send the prepared delay notice" in text
    assert "I am sorry for the inconvenience" in text
    assert "Refund 4711" in text


def test_sending_a_delay_notice_from_the_panel_queues_it_and_moves_the_date(
    client_agent, my_ticket
):
    # given
    promise = PromiseFactory(ticket=my_ticket, state=Promise.State.AT_RISK)
    new_due = promise.due_at + timedelta(days=2)
    url = reverse("followups:promise-delay-notice", args=[promise.pk])
    # when
    response = client_agent.post(
        url,
        {
            "delay-new_due_at": _local(new_due),
            "delay-explanation": "The courier lost the parcel.",
            "delay-keep_posted": "on",
        },
    )
    # then
    assert response.status_code == 302
    promise.refresh_from_db()
    assert promise.state == Promise.State.RENEGOTIATED
    reply = Message.objects.get(ticket=my_ticket, kind=Message.Kind.REPLY)
    assert "The courier lost the parcel." in reply.body_text
    assert OutboundEmail.objects.filter(message=reply).exists()


def test_delay_notice_without_a_new_date_sends_nothing_and_says_why(
    client_agent, my_ticket
):
    # given
    promise = PromiseFactory(ticket=my_ticket, state=Promise.State.AT_RISK)
    url = reverse("followups:promise-delay-notice", args=[promise.pk])
    # when
    response = client_agent.post(
        url, {"delay-explanation": "Stuck at customs."}, follow=True
    )
    # then
    assert "New realistic date" in response.content.decode()
    assert not Message.objects.filter(kind=Message.Kind.REPLY).exists()
    promise.refresh_from_db()
    assert promise.state == Promise.State.AT_RISK


def test_promise_and_followup_actions_of_another_inbox_are_404(client_agent):
    # given
    other = TicketFactory(inbox=InboxFactory())
    promise = PromiseFactory(ticket=other)
    followup = FollowUpFactory(ticket=other)
    # when / then
    for url in (
        reverse("followups:promise-keep", args=[promise.pk]),
        reverse("followups:followup-cancel", args=[followup.pk]),
        reverse("followups:promise-create", args=[other.reference]),
    ):
        assert client_agent.post(url).status_code == 404
    for name in ("followups:promise-create", "followups:followup-create"):
        assert (
            client_agent.get(reverse(name, args=[other.reference])).status_code == 404
        )
    promise.refresh_from_db()
    assert promise.state == Promise.State.OPEN


def test_actions_need_a_csrf_token(agent, my_ticket):
    # given
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    promise = PromiseFactory(ticket=my_ticket)
    # when
    response = client.post(reverse("followups:promise-keep", args=[promise.pk]))
    # then
    assert response.status_code == 403


def test_my_followups_lists_my_due_ones_and_not_colleagues(
    client_agent, agent, manager, my_ticket
):
    # given
    FollowUpFactory(
        ticket=my_ticket, owner=agent, state=FollowUp.State.DUE, note="Call Ella"
    )
    FollowUpFactory(
        ticket=my_ticket,
        owner=manager,
        state=FollowUp.State.DUE,
        kind=FollowUp.Kind.CUSTOM,
        note="Manager's own",
    )
    # when
    response = client_agent.get(reverse("followups:followup-mine"))
    # then
    text = response.content.decode()
    assert "Call Ella" in text
    assert "Manager&#x27;s own" not in text


def test_snoozing_from_my_followups_returns_there(client_agent, agent, my_ticket):
    # given
    followup = FollowUpFactory(ticket=my_ticket, owner=agent, state=FollowUp.State.DUE)
    later = timezone.now() + timedelta(days=1)
    mine = reverse("followups:followup-mine")
    # when
    response = client_agent.post(
        reverse("followups:followup-snooze", args=[followup.pk]),
        {"until": _local(later), "next": mine},
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == mine
    followup.refresh_from_db()
    assert followup.state == FollowUp.State.SCHEDULED
    assert followup.snooze_count == 1


def test_overdue_promises_lists_broken_ones_of_my_inboxes_only(client_agent, my_ticket):
    # given
    PromiseFactory(
        ticket=my_ticket,
        state=Promise.State.BROKEN,
        broken_at=timezone.now(),
        what="Call back on Monday",
    )
    PromiseFactory(
        ticket=TicketFactory(inbox=InboxFactory()),
        state=Promise.State.BROKEN,
        broken_at=timezone.now(),
        what="Someone else's promise",
    )
    # when
    response = client_agent.get(reverse("followups:promise-overdue"))
    # then
    text = response.content.decode()
    assert "Call back on Monday" in text
    assert "Someone else" not in text


def test_bell_shows_the_unread_count_and_mark_all_read_clears_it(
    client_agent, agent, my_ticket
):
    # given
    NotificationFactory.create_batch(3, recipient=agent, ticket=my_ticket)
    # when
    counts = client_agent.get(reverse("tickets:nav-counts")).content.decode()
    client_agent.post(reverse("followups:notification-read"))
    after = client_agent.get(reverse("tickets:nav-counts")).content.decode()
    # then
    assert 'data-testid="nav-count-unread" hx-swap-oob="true">3<' in counts
    assert 'data-testid="nav-count-unread" hx-swap-oob="true"></span>' in after
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_opening_a_notification_marks_it_read_and_goes_to_the_ticket(
    client_agent, agent, my_ticket
):
    # given
    notification = NotificationFactory(recipient=agent, ticket=my_ticket)
    # when
    response = client_agent.post(
        reverse("followups:notification-open", args=[notification.pk])
    )
    # then
    assert response["Location"].startswith(my_ticket.get_absolute_url())
    notification.refresh_from_db()
    assert notification.is_read


def test_someone_elses_notification_cannot_be_marked_read(client_agent, manager):
    # given
    notification = NotificationFactory(recipient=manager)
    # when
    client_agent.post(
        reverse("followups:notification-read"), {"ids": [notification.pk]}
    )
    # then
    notification.refresh_from_db()
    assert not notification.is_read


def test_reply_announcing_the_next_update_schedules_a_reminder_and_a_promise(
    client_agent, agent, my_ticket
):
    # given
    update_by = timezone.now() + timedelta(days=1)
    # when
    client_agent.post(
        reverse("tickets:ticket-reply", args=[my_ticket.reference]),
        {
            "reply-body_text": "I will write again tomorrow with news.",
            "reply-status_after": Ticket.Status.WAITING_CUSTOMER,
            "reply-next_update_at": _local(update_by),
            "reply-record_promise": "on",
        },
    )
    # then
    followup = FollowUp.objects.get(ticket=my_ticket)
    assert followup.kind == FollowUp.Kind.UPDATE_CUSTOMER
    assert followup.owner == agent
    assert followup.due_at < update_by
    promise = Promise.objects.get(ticket=my_ticket)
    assert promise.kind == Promise.Kind.NEXT_UPDATE
    assert promise.state == Promise.State.OPEN


def test_recording_a_promise_from_the_panel(client_agent, my_ticket):
    # given
    due = timezone.now() + timedelta(days=3)
    # when
    client_agent.post(
        reverse("followups:promise-create", args=[my_ticket.reference]),
        {
            "promise-kind": Promise.Kind.REFUND,
            "promise-what": "Refund by Friday",
            "promise-due_at": _local(due),
        },
    )
    # then
    promise = Promise.objects.get(ticket=my_ticket)
    assert promise.what == "Refund by Friday"
    assert promise.events.get().to_state == Promise.State.OPEN


def test_new_promise_and_followup_forms_load_when_opened(
    client_agent, my_ticket, inbox
):
    # given a colleague in the inbox
    colleague = MembershipFactory(inbox=inbox, user__first_name="Kim").user
    # when the ticket page is shown, and then its two forms are opened
    page = client_agent.get(my_ticket.get_absolute_url()).text
    promise_form = client_agent.get(
        reverse("followups:promise-create", args=[my_ticket.reference])
    ).text
    followup_form = client_agent.get(
        reverse("followups:followup-create", args=[my_ticket.reference])
    ).text
    # then the page only links them, and each form comes with its CSRF token
    assert 'name="promise-what"' not in page
    assert 'name="promise-what"' in promise_form
    assert "csrfmiddlewaretoken" in promise_form
    assert f'<option value="{colleague.pk}">Kim' in followup_form


def test_a_broken_first_response_answered_later_is_no_longer_overdue(
    client_agent, agent, my_ticket
):
    # given: the answer came late, after the promise broke
    from tickets import services as ticket_services

    promise = PromiseFactory(
        ticket=my_ticket,
        kind=Promise.Kind.FIRST_RESPONSE,
        what="Personal answer",
        state=Promise.State.BROKEN,
        due_at=timezone.now() - timedelta(hours=2),
        broken_at=timezone.now() - timedelta(hours=2),
    )
    url = reverse("followups:promise-overdue")
    assert promise.what in client_agent.get(url).content.decode()
    # when
    ticket_services.ticket_reply(ticket=my_ticket, actor=agent, body_text="Sorry!")
    # then
    assert promise.what not in client_agent.get(url).content.decode()
