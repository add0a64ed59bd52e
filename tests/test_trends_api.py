"""The trends API: managers only, one JSON per chart, the spike list, change
events (CRUD) and the post-mortem log."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from recovery.models import Offer
from recovery.tests.factories import (
    OfferFactory,
    PostMortemFactory,
    RecoveryCaseFactory,
)
from recovery.trends import services
from recovery.trends.models import ChangeEvent
from tests.trends_data import history, team
from tickets.tests.factories import InboxFactory, TicketFactory

BASE = "/api/v1/recovery/trends/"
FIGURES = ["heatmap/", "agents/", "weekly/", "compensation/", "effectiveness/"]


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    "path", [*FIGURES, "spikes/", "change-events/", "post-mortems/"]
)
def test_an_agent_gets_403_everywhere(agent, path):
    assert _client(agent).get(BASE + path).status_code == 403


@pytest.mark.parametrize("path", [*FIGURES, "spikes/"])
def test_an_inbox_the_manager_does_not_manage_is_404(manager, path):
    InboxFactory(slug="elsewhere")
    response = _client(manager).get(BASE + path, {"inbox": "elsewhere"})
    assert response.status_code == 404


def test_a_bad_period_is_400(manager):
    response = _client(manager).get(BASE + "heatmap/", {"days": "7"})
    assert response.status_code == 400


def test_the_heatmap_is_seven_rows_of_24_hours(manager, inbox):
    # given a case whose complaint came in Tuesday 09:30 Berlin time
    arrived = timezone.now() - timedelta(days=7)
    while timezone.localtime(arrived, inbox_zone(inbox)).weekday() != 1:
        arrived -= timedelta(days=1)
    local = timezone.localtime(arrived, inbox_zone(inbox)).replace(hour=9, minute=30)
    ticket = TicketFactory(inbox=inbox, created_at=local, category="defect")
    RecoveryCaseFactory(ticket=ticket, opened_at=local + timedelta(minutes=5))
    services.case_facts_refresh()
    # when
    body = _client(manager).get(BASE + "heatmap/").json()
    # then
    assert len(body["cases"]) == 7
    assert {len(row) for row in body["cases"]} == {24}
    assert body["cases"][1][9] == 1
    assert body["complaints"][1][9] == 1
    assert body["weekdays"][1] == "Tuesday"
    assert body["period"]["inboxes"] == [
        {"id": inbox.pk, "slug": "support", "name": "Support"}
    ]


def inbox_zone(inbox):
    from zoneinfo import ZoneInfo

    return ZoneInfo(inbox.time_zone)


def test_the_spike_list_explains_the_planted_patterns(db):
    people = team()
    history(people, now=timezone.now(), seed=3)
    body = _client(people["maria"]).get(BASE + "spikes/").json()
    kinds = sorted(s["kind"] for s in body["spikes"])
    assert kinds == ["agent_hour", "change"]
    agent_hour = next(s for s in body["spikes"] if s["kind"] == "agent_hour")
    assert (agent_hour["weekday_name"], agent_hour["hour"]) == ("Tuesday", 9)
    assert agent_hour["sentence"].startswith("Tuesday 9\u201310, agent P. Shah: ")
    assert body["thresholds"]["alpha"] == 0.002
    assert body["compared"] > 100


def test_weekly_series_carry_the_change_events(db):
    people = team()
    history(people, now=timezone.now(), seed=3)
    body = _client(people["maria"]).get(BASE + "weekly/").json()
    assert len(body["totals"]) == len(body["weeks"])
    assert [e["title"] for e in body["change_events"]] == ["Checkout release 4.2"]
    checkout = next(s for s in body["by_component"] if s["label"] == "Checkout")
    assert len(checkout["counts"]) == len(body["weeks"])


def test_compensation_keeps_one_series_per_currency(manager, agent, inbox):
    case = RecoveryCaseFactory(ticket=TicketFactory(inbox=inbox))
    for amount, currency in (("20.00", "EUR"), ("15.00", "GBP")):
        OfferFactory(
            case=case,
            created_by=agent,
            amount=Decimal(amount),
            currency=currency,
            status=Offer.Status.APPROVED,
            is_within_authority=True,
            decided_at=timezone.now() - timedelta(days=1),
        )
    body = _client(manager).get(BASE + "compensation/").json()
    totals = {
        s["currency"]: sum(Decimal(a) for a in s["amounts"]) for s in body["weekly"]
    }
    assert totals == {"EUR": Decimal("20.00"), "GBP": Decimal("15.00")}
    assert {s["currency"]: s["month_limit"] for s in body["by_agent"]} == {
        "EUR": "300.00",
        "GBP": None,
    }


def test_effectiveness_reports_satisfaction_repeats_timings_and_promises(
    manager, inbox
):
    body = _client(manager).get(BASE + "effectiveness/").json()
    assert set(body) == {
        "period",
        "satisfaction",
        "repeat_failures",
        "timings",
        "promises",
    }
    assert [r["key"] for r in body["repeat_failures"]] == [
        "first",
        "second",
        "third_or_more",
    ]


# --- change events -------------------------------------------------------------


def test_a_manager_records_changes_and_removes_them(manager, inbox):
    client = _client(manager)
    # when
    created = client.post(
        BASE + "change-events/",
        {
            "inbox": "support",
            "kind": "release",
            "title": "Checkout release 4.2",
            "happened_at": "2025-03-04T10:00:00+01:00",
        },
        format="json",
    )
    # then
    assert created.status_code == 201, created.json()
    change_id = created.json()["id"]
    assert created.json()["happened_at"] == "2025-03-04T09:00:00Z"
    patched = client.patch(
        BASE + f"change-events/{change_id}/", {"title": "Release 4.2.1"}, format="json"
    )
    assert patched.json()["title"] == "Release 4.2.1"
    listed = client.get(BASE + "change-events/").json()
    assert [c["id"] for c in listed["results"]] == [change_id]
    assert client.delete(BASE + f"change-events/{change_id}/").status_code == 204
    assert not ChangeEvent.objects.exists()


def test_a_manager_cannot_record_a_change_in_an_inbox_they_do_not_manage(manager):
    InboxFactory(slug="elsewhere")
    response = _client(manager).post(
        BASE + "change-events/",
        {
            "inbox": "elsewhere",
            "kind": "release",
            "title": "x",
            "happened_at": "2025-03-04T10:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 400
    assert not ChangeEvent.objects.exists()


def test_changes_of_other_inboxes_are_404(manager):
    other = ChangeEvent.objects.create(
        inbox=InboxFactory(),
        kind="release",
        title="x",
        happened_at=datetime(2025, 3, 4, tzinfo=UTC),
    )
    client = _client(manager)
    assert client.get(BASE + f"change-events/{other.pk}/").status_code == 404
    assert client.delete(BASE + f"change-events/{other.pk}/").status_code == 404
    assert ChangeEvent.objects.filter(pk=other.pk).exists()


def test_the_post_mortem_log_lists_only_managed_inboxes(manager, inbox):
    mine = PostMortemFactory(
        case=RecoveryCaseFactory(ticket=TicketFactory(inbox=inbox))
    )
    PostMortemFactory()
    body = _client(manager).get(BASE + "post-mortems/").json()
    assert [r["id"] for r in body["results"]] == [mine.pk]
    assert body["results"][0]["ticket"] == mine.case.ticket.reference
