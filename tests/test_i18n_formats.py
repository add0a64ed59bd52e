"""Dates read the way each language writes them: German agents see
"3. Dez. 2026, 14:00", English ones "3 Dec 2026, 14:00", whatever the
template, and customers get their own language's dates."""

from datetime import UTC, date, datetime
from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from followups.models import FollowUp
from followups.tests.factories import FollowUpFactory
from helpdesk.formats import PROJECT_FORMATS
from recovery.trends import spikes
from recovery.trends.charts.svg import heatmap
from tickets.models import AgentProfile, Ticket
from tickets.tests.factories import MessageFactory, TicketFactory

# 13:00 UTC is 14:00 in Berlin, the agents' time zone here.
MOMENT = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _restore_language():
    """A request leaves its language active in this thread."""
    with translation.override(translation.get_language()):
        yield


def signed_in(user, language: str) -> Client:
    AgentProfile.objects.update_or_create(
        user=user, defaults={"language": language, "time_zone": "Europe/Berlin"}
    )
    client = Client()
    client.force_login(user)
    return client


# --- the format modules ------------------------------------------------------


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_every_language_defines_every_project_format(language):
    # Django reads a name no module defines as a literal format string.
    module = import_module(f"helpdesk.formats.{language}.formats")
    for name in PROJECT_FORMATS:
        assert getattr(module, name, None), f"{language} lacks {name}"


@pytest.mark.parametrize(
    ("language", "name", "expected"),
    [
        ("en", "DATE_FORMAT", "3 Dec 2026"),
        ("de", "DATE_FORMAT", "3. Dez. 2026"),
        ("en", "DATETIME_FORMAT", "3 Dec 2026, 14:00"),
        ("de", "DATETIME_FORMAT", "3. Dez. 2026, 14:00"),
        ("en", "MONTH_DAY_FORMAT", "3 Dec"),
        ("de", "MONTH_DAY_FORMAT", "3. Dez."),
        ("en", "DAY_TIME_FORMAT", "3 Dec, 14:00"),
        ("de", "DAY_TIME_FORMAT", "3. Dez., 14:00"),
        ("en", "WEEKDAY_TIME_FORMAT", "Thu 3 Dec, 14:00"),
        ("de", "WEEKDAY_TIME_FORMAT", "Do., 3. Dez., 14:00"),
        ("en", "LONG_DATE_FORMAT", "3 December 2026"),
        ("de", "LONG_DATE_FORMAT", "3. Dezember 2026"),
        ("en", "WEEKDAY_LONG_DATE_FORMAT", "Thursday, 3 December 2026"),
        ("de", "WEEKDAY_LONG_DATE_FORMAT", "Donnerstag, 3. Dezember 2026"),
    ],
)
def test_each_format_reads_naturally_in_its_language(language, name, expected):
    with translation.override(language):
        assert date_format(datetime(2026, 12, 3, 14, 0, tzinfo=UTC), name) == expected


def test_german_months_keep_their_usual_abbreviations():
    with translation.override("de"):
        assert date_format(date(2026, 3, 5), "DATE_FORMAT") == "5. März 2026"
        assert date_format(date(2026, 9, 5), "DATE_FORMAT") == "5. Sept. 2026"


# --- what agents see ---------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected", "unexpected"),
    [
        ("de", "3. Dez. 2026, 14:00", "3 Dec 2026"),
        ("en", "3 Dec 2026, 14:00", "3. Dez. 2026"),
    ],
)
def test_the_ticket_list_dates_follow_the_agents_language(
    agent, inbox, language, expected, unexpected
):
    # given
    ticket = TicketFactory(inbox=inbox, status=Ticket.Status.OPEN)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=MOMENT)
    client = signed_in(agent, language)
    # when
    response = client.get(reverse("tickets:ticket-list"))
    # then
    assert response.status_code == 200
    assert expected in response.text
    assert unexpected not in response.text


@pytest.mark.parametrize(
    ("language", "shown", "full", "unexpected"),
    [
        ("de", "3. Dez., 14:00", "3. Dez. 2026, 14:00", "3 Dec"),
        ("en", "3 Dec, 14:00", "3 Dec 2026, 14:00", "3. Dez."),
    ],
)
def test_the_ticket_page_dates_follow_the_agents_language(
    agent, ticket, language, shown, full, unexpected
):
    # given
    MessageFactory(ticket=ticket, created_at=MOMENT)
    client = signed_in(agent, language)
    # when
    response = client.get(reverse("tickets:ticket-detail", args=[ticket.reference]))
    # then
    assert response.status_code == 200
    assert f">{shown}</time>" in response.text
    assert f'title="{full}"' in response.text
    assert unexpected not in response.text


@pytest.mark.parametrize(
    ("language", "expected"),
    [("de", "Do., 3. Dez., 14:00"), ("en", "Thu 3 Dec, 14:00")],
)
def test_follow_up_due_times_follow_the_agents_language(
    agent, ticket, language, expected
):
    # given
    FollowUpFactory(ticket=ticket, owner=agent, state=FollowUp.State.DUE, due_at=MOMENT)
    client = signed_in(agent, language)
    # when
    response = client.get(reverse("followups:followup-mine"))
    # then
    assert response.status_code == 200
    assert expected in response.text


def test_trend_rates_use_the_readers_decimal_mark():
    with translation.override("de"):
        assert spikes.per_week(6.15) == "6,2"
        assert spikes.about(0.44) == "0,4"
    with translation.override("en"):
        assert spikes.per_week(6.15) == "6.2"


def test_heatmap_tooltips_agree_with_their_count():
    chart = heatmap(
        chart_id="c",
        title="t",
        desc="d",
        values=[[1, 2]],
        row_labels=["Mon"],
        col_labels=["9", "10"],
        x_label="h",
        cell_label=lambda n: "%(row)s %(col)s: %(n)d case" + ("" if n == 1 else "s"),
    )
    assert "Mon 9: 1 case<" in str(chart.svg)
    assert "Mon 10: 2 cases<" in str(chart.svg)
