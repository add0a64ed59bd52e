"""The followups API: shapes, transitions as 409, and visibility scoped by
inbox membership (anything else is a 404)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from followups.models import FollowUp, Promise
from followups.tests.factories import (
    FollowUpFactory,
    NotificationFactory,
    PromiseFactory,
)
from tickets.models import Message
from tickets.tests.factories import InboxFactory, MembershipFactory, TicketFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/followups"


@pytest.fixture
def api(agent) -> APIClient:
    client = APIClient()
    client.force_authenticate(agent)
    return client


@pytest.fixture
def my_ticket(inbox, agent):
    return TicketFactory(inbox=inbox, assignee=agent)


@pytest.fixture
def other_ticket():
    return TicketFactory(inbox=InboxFactory())


def test_anonymous_requests_are_refused():
    assert APIClient().get(f"{BASE}/promises/").status_code in (401, 403)


def test_promise_list_shows_only_promises_of_my_inboxes(api, my_ticket, other_ticket):
    # given
    mine = PromiseFactory(ticket=my_ticket)
    PromiseFactory(ticket=other_ticket)
    # when
    response = api.get(f"{BASE}/promises/")
    # then
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [mine.pk]
    assert response.json()["results"][0]["ticket"] == my_ticket.reference


def test_promise_of_another_inbox_is_404_for_every_verb(api, other_ticket):
    promise = PromiseFactory(ticket=other_ticket)
    url = f"{BASE}/promises/{promise.pk}/"
    assert api.get(url).status_code == 404
    assert api.patch(url, {"what": "x"}, format="json").status_code == 404
    assert api.delete(url).status_code == 404
    assert api.post(f"{url}keep/").status_code == 404
    assert api.post(f"{url}delay-notice/", {}, format="json").status_code == 404
    promise.refresh_from_db()
    assert promise.state == Promise.State.OPEN


def test_creating_a_promise_on_another_inboxs_ticket_is_a_field_error(
    api, other_ticket
):
    response = api.post(
        f"{BASE}/promises/",
        {
            "ticket": other_ticket.reference,
            "kind": "refund",
            "what": "Refund",
            "due_at": (timezone.now() + timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "ticket" in response.json()
    assert not Promise.objects.exists()


def test_create_renegotiate_and_keep_a_promise(api, my_ticket):
    # given
    due = timezone.now() + timedelta(days=1)
    created = api.post(
        f"{BASE}/promises/",
        {
            "ticket": my_ticket.reference,
            "kind": "delivery",
            "what": "Spare part shipped",
            "due_at": due.isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201
    url = f"{BASE}/promises/{created.json()['id']}/"
    # when
    later = due + timedelta(days=2)
    renegotiated = api.post(
        f"{url}renegotiate/",
        {"new_due_at": later.isoformat(), "note": "Agreed on the phone."},
        format="json",
    )
    kept = api.post(f"{url}keep/", {}, format="json")
    # then
    assert renegotiated.status_code == 200
    assert renegotiated.json()["state"] == "renegotiated"
    body = kept.json()
    assert body["state"] == "kept"
    assert [h["to_state"] for h in body["history"]] == ["open", "renegotiated", "kept"]
    assert body["history"][1]["due_at"] is not None


def test_keeping_a_kept_promise_is_a_conflict(api, my_ticket):
    promise = PromiseFactory(ticket=my_ticket, state=Promise.State.KEPT)
    response = api.post(f"{BASE}/promises/{promise.pk}/keep/")
    assert response.status_code == 409
    assert "detail" in response.json()


def test_delay_notice_draft_and_send(api, my_ticket):
    # given
    promise = PromiseFactory(ticket=my_ticket, state=Promise.State.AT_RISK)
    url = f"{BASE}/promises/{promise.pk}/delay-notice/"
    # when
    draft = api.get(url)
    missing_date = api.post(url, {"explanation": "Late truck."}, format="json")
    sent = api.post(
        url,
        {
            "explanation": "Late truck.",
            "new_due_at": (promise.due_at + timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    # then
    assert draft.status_code == 200
    assert draft.json()["language"] == "en"
    assert "I am sorry" in draft.json()["body"]
    assert missing_date.status_code == 400
    assert sent.status_code == 200
    assert sent.json()["state"] == "renegotiated"
    assert Message.objects.filter(ticket=my_ticket, kind="reply").count() == 1


def test_withdrawing_a_promise_with_delete_keeps_its_history(api, my_ticket):
    promise = PromiseFactory(ticket=my_ticket)
    response = api.delete(f"{BASE}/promises/{promise.pk}/")
    assert response.status_code == 204
    promise.refresh_from_db()
    assert promise.state == Promise.State.WITHDRAWN


def test_followup_list_filters_mine_and_due(api, agent, manager, my_ticket):
    # given
    mine_due = FollowUpFactory(ticket=my_ticket, owner=agent)
    FollowUpFactory(
        ticket=my_ticket,
        owner=agent,
        kind=FollowUp.Kind.CUSTOM,
        due_at=timezone.now() + timedelta(days=2),
    )
    FollowUpFactory(ticket=my_ticket, owner=manager, kind=FollowUp.Kind.CUSTOM)
    # when
    response = api.get(f"{BASE}/", {"mine": "true", "due": "true"})
    # then
    assert [f["id"] for f in response.json()["results"]] == [mine_due.pk]


def test_schedule_snooze_and_complete_a_followup(api, agent, my_ticket):
    # given
    created = api.post(
        f"{BASE}/",
        {
            "ticket": my_ticket.reference,
            "kind": "custom",
            "note": "Call about the invoice",
            "due_at": timezone.now().isoformat(),
            "channel": "phone",
        },
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["owner"]["id"] == agent.pk
    url = f"{BASE}/{created.json()['id']}/"
    # when
    snoozed = api.post(
        f"{url}snooze/",
        {"until": (timezone.now() + timedelta(hours=3)).isoformat()},
        format="json",
    )
    done = api.post(f"{url}complete/", {"outcome": "Called."}, format="json")
    # then
    assert snoozed.json()["state"] == "scheduled"
    assert done.json()["state"] == "done"
    assert done.json()["outcome"] == "Called."


def test_followup_owner_must_be_a_member_of_the_inbox(api, my_ticket):
    outsider = MembershipFactory().user
    response = api.post(
        f"{BASE}/",
        {
            "ticket": my_ticket.reference,
            "kind": "custom",
            "note": "x",
            "due_at": timezone.now().isoformat(),
            "owner_id": outsider.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "owner_id" in response.json()


def test_followup_of_another_inbox_is_404(api, other_ticket):
    followup = FollowUpFactory(ticket=other_ticket)
    assert api.get(f"{BASE}/{followup.pk}/").status_code == 404
    assert api.post(f"{BASE}/{followup.pk}/cancel/").status_code == 404


def test_notifications_are_only_ever_my_own(api, agent, manager, my_ticket):
    # given
    mine = NotificationFactory(recipient=agent, ticket=my_ticket)
    theirs = NotificationFactory(recipient=manager, ticket=my_ticket)
    # when
    listed = api.get(f"{BASE}/notifications/", {"unread": "true"})
    marked = api.post(
        f"{BASE}/notifications/read/", {"ids": [mine.pk, theirs.pk]}, format="json"
    )
    # then
    assert [n["id"] for n in listed.json()["results"]] == [mine.pk]
    assert marked.json() == {"marked": 1, "unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_unknown_path_under_the_prefix_is_a_json_404(api):
    response = api.get(f"{BASE}/nothing/here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such API endpoint."}
