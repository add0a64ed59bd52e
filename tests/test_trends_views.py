"""The dashboard, its change-event form and the post-mortem log (HTML)."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recovery.tests.factories import PostMortemFactory, RecoveryCaseFactory
from recovery.trends.models import ChangeEvent
from tests.trends_data import history, team
from tickets.models import Membership
from tickets.tests.factories import (
    ComponentFactory,
    InboxFactory,
    MembershipFactory,
    TicketFactory,
)


def _url(name: str) -> str:
    return reverse(f"recovery:trends:{name}")


@pytest.mark.parametrize("name", ["dashboard", "post-mortems", "post-mortems-csv"])
def test_an_agent_is_refused(client, agent, name):
    client.force_login(agent)
    assert client.get(_url(name)).status_code == 403


def test_a_manager_asking_for_an_inbox_they_do_not_manage_gets_404(client, manager):
    InboxFactory(slug="elsewhere")
    client.force_login(manager)
    assert client.get(_url("dashboard"), {"inbox": "elsewhere"}).status_code == 404


def test_the_dashboard_draws_every_chart_and_lists_what_stands_out(client, db):
    # given three months of history with the planted patterns
    people = team()
    history(people, now=timezone.now(), seed=2)
    client.force_login(people["maria"])
    # when
    response = client.get(_url("dashboard"))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('role="img"') >= 10
    assert 'id="chart-cases-heatmap"' in html
    assert 'class="change-marker"' in html
    assert "Tuesday 9\u201310, agent P. Shah: " in html
    assert "After “Checkout release 4.2”" in html


def test_a_quiet_period_shows_no_spike(client, manager):
    client.force_login(manager)
    html = client.get(_url("dashboard")).content.decode()
    assert 'data-testid="no-spikes"' in html
    assert 'data-testid="spike"' not in html


def test_a_manager_records_a_change_in_the_inbox_time_zone(client, manager, inbox):
    client.force_login(manager)
    checkout = ComponentFactory(name="Checkout")
    # when
    response = client.post(
        _url("change-create"),
        {
            "inbox": inbox.pk,
            "kind": "release",
            "component": checkout.pk,
            "title": "Checkout release 4.2",
            "happened_at": "2025-03-04T10:00",
        },
    )
    # then: 10:00 in Berlin is 09:00 UTC
    assert response.status_code == 302
    change = ChangeEvent.objects.get()
    assert change.happened_at.isoformat() == "2025-03-04T09:00:00+00:00"
    assert (change.component, change.created_by) == (checkout, manager)


def test_the_change_form_needs_the_csrf_token(manager, inbox):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    response = client.post(
        _url("change-create"),
        {
            "inbox": inbox.pk,
            "kind": "release",
            "title": "x",
            "happened_at": "2025-03-04T10:00",
        },
    )
    assert response.status_code == 403
    assert not ChangeEvent.objects.exists()


def test_the_post_mortem_log_filters_and_exports_csv(client, manager, inbox):
    # given one post-mortem past its due date and one not
    late = PostMortemFactory(
        case=RecoveryCaseFactory(ticket=TicketFactory(inbox=inbox)),
        prevention_action="=HYPERLINK(1) check the courier cut-off",
        prevention_due_date=timezone.localdate() - timedelta(days=3),
    )
    PostMortemFactory(
        case=RecoveryCaseFactory(ticket=TicketFactory(inbox=inbox)),
        prevention_due_date=timezone.localdate() + timedelta(days=3),
    )
    client.force_login(manager)
    # when
    page = client.get(_url("post-mortems"), {"overdue": "on"})
    export = client.get(_url("post-mortems-csv"), {"overdue": "on"})
    # then
    assert page.content.decode().count('data-testid="post-mortem-row"') == 1
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][:3] == ["post_mortem", "case", "ticket"]
    assert [r[0] for r in rows[1:]] == [str(late.pk)]
    action = rows[1][rows[0].index("prevention_action")]
    assert action.startswith("'=")  # not run as a formula
    assert rows[1][rows[0].index("past_due")] == "yes"
    assert rows[1][rows[0].index("prevention_due_date")] == (
        late.prevention_due_date.isoformat()
    )
    assert isinstance(late.prevention_due_date, date)


def test_the_dashboard_opens_on_the_inbox_chosen_last(client, manager, inbox):
    # given a manager of two inboxes who looked at the second one
    other = InboxFactory(name="Billing", slug="billing")
    MembershipFactory(inbox=other, user=manager, role=Membership.Role.MANAGER)
    client.force_login(manager)
    client.get(_url("dashboard"), {"inbox": "billing"})
    # when they open the page again without choosing
    response = client.get(_url("dashboard"))
    # then it shows that inbox
    assert response.context["scope"].inboxes == (other,)
