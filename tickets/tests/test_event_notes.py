"""System sentences in audit history are shown in the reader's language and
time zone; text people wrote is shown as they wrote it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from helpdesk import notes
from helpdesk.notes import DATETIME, Sentence, render_event_note, system_note
from tickets import services
from tickets.models import AgentProfile, TicketEvent
from tickets.tests.factories import (
    CustomerFactory,
    InboxFactory,
    MembershipFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def auto_inbox():
    return InboxFactory(auto_assign=True)


def _reader(inbox, username, *, language, time_zone="UTC"):
    user = MembershipFactory(inbox=inbox, user__username=username).user
    AgentProfile.objects.create(user=user, language=language, time_zone=time_zone)
    return user


def _history_note(client, ticket) -> str:
    response = client.get(reverse("tickets:ticket-history", args=[ticket.reference]))
    assert response.status_code == 200
    return response.text


def test_round_robin_assignment_reads_in_each_agents_language(client, auto_inbox):
    # given a German and an English agent; the worker assigns a new ticket
    german = _reader(auto_inbox, "greta", language="de")
    english = _reader(auto_inbox, "eric", language="en")
    with translation.override("en"):
        ticket = services.ticket_create(
            inbox=auto_inbox, customer=CustomerFactory(), subject="Late delivery"
        )
    event = TicketEvent.objects.get(ticket=ticket, kind="assigned")
    # then the code is stored, not a sentence
    assert (event.note, event.note_code, event.note_params) == ("", "auto_assigned", {})
    # when each of them opens the ticket
    client.force_login(german)
    german_page = _history_note(client, ticket)
    client.force_login(english)
    english_page = _history_note(client, ticket)
    # then
    assert "Automatisch zugewiesen (reihum)." in german_page
    assert "Assigned automatically (round robin)." not in german_page
    assert "Assigned automatically (round robin)." in english_page


def test_api_events_give_the_sentence_in_the_requesters_language(client, auto_inbox):
    # given
    german = _reader(auto_inbox, "greta", language="de")
    ticket = services.ticket_create(
        inbox=auto_inbox, customer=CustomerFactory(), subject="Late delivery"
    )
    client.force_login(german)
    # when
    response = client.get(reverse("api:ticket-events", args=[ticket.reference]))
    # then
    assert response.status_code == 200
    rows = response.json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assigned = next(r for r in rows if r["kind"] == "assigned")
    assert assigned["note"] == "Automatisch zugewiesen (reihum)."
    assert (assigned["note_code"], assigned["note_params"]) == ("auto_assigned", {})


def test_a_token_client_reads_in_its_profiles_language(auto_inbox):
    # given a German agent who uses the API with a token
    german = _reader(auto_inbox, "gerd", language="de")
    ticket = services.ticket_create(
        inbox=auto_inbox, customer=CustomerFactory(), subject="Late delivery"
    )
    token = Token.objects.create(user=german)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    # when
    response = api.get(reverse("api:ticket-events", args=[ticket.reference]))
    # then
    rows = response.json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assigned = next(r for r in rows if r["kind"] == "assigned")
    assert assigned["note"] == "Automatisch zugewiesen (reihum)."


def test_a_moment_shows_in_the_readers_time_zone(monkeypatch):
    # given a sentence with a moment, stored in UTC
    monkeypatch.setitem(
        notes.NOTES, "test_at", Sentence("Due at %(when)s.", {"when": DATETIME})
    )
    fields = system_note("test_at", when=datetime(2026, 12, 3, 23, 30, tzinfo=UTC))
    event = TicketEvent(**fields)
    assert event.note_params == {"when": "2026-12-03T23:30:00+00:00"}
    # when a reader in Vienna (UTC+1) and one in UTC read it
    with translation.override("de"), timezone.override("Europe/Vienna"):
        vienna = render_event_note(event)
    with translation.override("en"), timezone.override("UTC"):
        utc = render_event_note(event)
    # then
    assert vienna == "Due at 4. Dez. 2026, 00:30."
    assert utc == "Due at 3 Dec 2026, 23:30."


def test_free_text_after_a_sentence_stays_verbatim():
    # given a sentence with a person's text after it
    event = TicketEvent(
        **system_note("bounced", reason="550 mailbox full"),
    )
    answered = TicketEvent(**system_note("snoozed", text="Kunde ruft morgen an."))
    # then
    with translation.override("de"):
        assert render_event_note(event) == "Unzustellbar: 550 mailbox full"
        assert render_event_note(answered) == "Zurückgestellt. Kunde ruft morgen an."
    with translation.override("en"):
        assert render_event_note(answered) == "Snoozed. Kunde ruft morgen an."


def test_a_duration_is_shown_in_words():
    event = TicketEvent(**system_note("late_by", late=timedelta(hours=2, minutes=5)))
    assert event.note_params == {"late": 7500}
    with translation.override("de"):
        assert render_event_note(event) == "2 Stunden 5 Minuten zu spät."
    with translation.override("en"):
        assert render_event_note(event) == "Late by 2 hours 5 minutes."


def test_an_old_row_without_code_shows_its_note(client, agent, inbox):
    # given a row written before codes existed
    ticket = TicketFactory(inbox=inbox)
    TicketEvent.objects.create(
        ticket=ticket, kind="status", to_value="open", note="Reopened by hand (old)"
    )
    AgentProfile.objects.create(user=agent, language="de")
    client.force_login(agent)
    # then
    assert "Reopened by hand (old)" in _history_note(client, ticket)


def test_an_unknown_code_falls_back_to_the_stored_note():
    event = TicketEvent(note="Kept as written", note_code="gone", note_params={})
    assert render_event_note(event) == "Kept as written"


def test_a_promise_broken_by_the_sweep_reads_in_each_agents_language(client, inbox):
    # given a promise past its due time, swept by the worker
    from followups import services as followup_services
    from followups.tests.factories import PromiseFactory

    german = _reader(inbox, "greta", language="de")
    english = _reader(inbox, "eric", language="en")
    past = timezone.now() - timedelta(hours=1)
    promise = PromiseFactory(
        ticket=TicketFactory(inbox=inbox),
        due_at=past,
        original_due_at=past,
        warn_at=past - timedelta(hours=4),
    )
    followup_services.promise_scan()
    url = reverse("followups-api:promise-detail", args=[promise.pk])
    # when
    client.force_login(german)
    german_history = client.get(url).json()["history"]
    client.force_login(english)
    english_history = client.get(url).json()["history"]
    # then
    broken = "Der Termin ist verstrichen, ohne dass die Zusage eingehalten wurde."
    assert german_history[-1]["note"] == broken
    assert german_history[-1]["note_code"] == "promise_broken"
    assert english_history[-1]["note"] == (
        "The due time passed without the promise being kept."
    )


def test_the_update_time_of_a_follow_up_shows_in_the_readers_time_zone(agent, inbox):
    # given an agent announces an update by 3 Dec 2026, 23:30 UTC
    from followups import services as followup_services

    ticket = TicketFactory(inbox=inbox, assignee=agent)
    followup = followup_services.followup_schedule_update(
        ticket=ticket, actor=agent, update_by=datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
    )
    followup.refresh_from_db()
    assert (followup.note, followup.note_code) == ("", "update_by")
    # then each reader sees it in their own zone
    with translation.override("de"), timezone.override("Europe/Vienna"):
        assert followup.note_text == "Kunden bis 4. Dez. 2026, 00:30 informieren."
    with translation.override("en"), timezone.override("UTC"):
        assert followup.note_text == "Update the customer by 3 Dec 2026, 23:30."
