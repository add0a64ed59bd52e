"""Marking a post-mortem's prevention action done: the service, the log and
the case page, and the reminders that stop."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from followups.models import FollowUp
from helpdesk.exceptions import DomainError
from recovery import services
from recovery.models import CaseEvent
from recovery.templatetags.recovery_ui import case_event_summary
from recovery.tests.factories import PostMortemFactory, RecoveryCaseFactory
from recovery.trends import selectors
from recovery.trends import services as trend_services
from tickets.tests.factories import InboxFactory, TicketFactory, UserFactory

NOW = datetime(2025, 3, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def overdue(inbox, agent):
    """Alex's prevention action, due on 19 March 2025 (Berlin)."""
    case = RecoveryCaseFactory(ticket=TicketFactory(inbox=inbox, assignee=agent))
    return PostMortemFactory(
        case=case,
        prevention_owner=agent,
        prevention_action="Check the courier cut-off every morning",
        prevention_due_date=date(2025, 3, 19),
    )


def test_the_owner_marks_the_action_done_with_an_audit_event(overdue, agent):
    # when
    done = services.post_mortem_prevention_done(post_mortem=overdue, actor=agent)
    # then
    assert done.prevention_done_at is not None
    event = CaseEvent.objects.get(case=overdue.case)
    assert (event.kind, event.actor) == (CaseEvent.Kind.PREVENTION_DONE, agent)
    assert event.note == "Check the courier cut-off every morning"


def test_marking_it_again_changes_nothing(overdue, agent):
    first = services.post_mortem_prevention_done(post_mortem=overdue, actor=agent)
    again = services.post_mortem_prevention_done(post_mortem=overdue, actor=agent)
    assert again.prevention_done_at == first.prevention_done_at
    assert CaseEvent.objects.filter(case=overdue.case).count() == 1


def test_an_action_done_by_mistake_is_opened_again(overdue, manager):
    services.post_mortem_prevention_done(post_mortem=overdue, actor=manager)
    # when
    reopened = services.post_mortem_prevention_done(
        post_mortem=overdue, actor=manager, done=False
    )
    # then
    assert reopened.prevention_done_at is None
    kinds = list(
        CaseEvent.objects.filter(case=overdue.case)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == [CaseEvent.Kind.PREVENTION_DONE, CaseEvent.Kind.PREVENTION_REOPENED]


def test_only_members_of_the_inbox_mark_it(overdue):
    with pytest.raises(DomainError):
        services.post_mortem_prevention_done(post_mortem=overdue, actor=UserFactory())
    overdue.refresh_from_db()
    assert overdue.prevention_done_at is None


def test_a_done_action_reminds_nobody(overdue, agent):
    services.post_mortem_prevention_done(post_mortem=overdue, actor=agent)
    assert trend_services.prevention_remind_overdue(now=NOW) == 0
    assert not FollowUp.objects.exists()


def test_marking_it_done_completes_the_reminder_waiting(overdue, agent):
    # given the owner was reminded
    assert trend_services.prevention_remind_overdue(now=NOW) == 1
    # when
    services.post_mortem_prevention_done(post_mortem=overdue, actor=agent)
    # then
    assert FollowUp.objects.get().state == FollowUp.State.DONE


def test_a_done_action_is_not_past_due_in_the_log(overdue, agent, manager):
    services.post_mortem_prevention_done(post_mortem=overdue, actor=agent)
    past_due = selectors.PostMortemFilters(overdue=True)
    assert not selectors.post_mortem_list_for_manager(
        user=manager, filters=past_due, today=date(2025, 3, 20)
    ).exists()
    assert list(selectors.post_mortem_list_for_manager(user=manager)) == [overdue]


# --- pages and API -------------------------------------------------------------


def _log_url(name: str = "post-mortems") -> str:
    return reverse(f"recovery:trends:{name}")


def test_a_manager_marks_it_done_from_the_log(client, overdue, manager):
    client.force_login(manager)
    log = _log_url() + "?overdue=on"
    page = client.get(log).content.decode()
    assert 'data-testid="prevention-done"' in page
    # when
    response = client.post(
        reverse("recovery:trends:prevention-done", args=[overdue.pk]),
        {"done": "1", "next": log},
    )
    # then back on the log, where "past due only" no longer lists it
    assert response.status_code == 302
    assert response["Location"] == log
    page = client.get(log).content.decode()
    assert 'data-testid="post-mortem-row"' not in page
    everything = client.get(_log_url()).content.decode()
    assert 'data-testid="prevention-done-at"' in everything
    assert 'data-testid="prevention-reopen"' in everything


def test_the_export_says_when_it_was_done(client, overdue, manager):
    services.post_mortem_prevention_done(post_mortem=overdue, actor=manager)
    client.force_login(manager)
    export = client.get(_log_url("post-mortems-csv"))
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["past_due"] == "no"
    assert row["prevention_done_at"].startswith(str(timezone.now().year))


def test_the_owner_marks_it_done_on_the_case(client, overdue, agent):
    # given the documented case's page shows the post-mortem
    case = overdue.case
    case.status = case.Status.DOCUMENTED
    case.save()
    client.force_login(agent)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="prevention-done"' in page
    # when
    response = client.post(
        reverse("recovery:trends:prevention-done", args=[overdue.pk]),
        {"done": "1", "next": case.get_absolute_url()},
    )
    # then
    assert response.status_code == 302
    overdue.refresh_from_db()
    assert overdue.prevention_done_at is not None
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="prevention-done-at"' in page


def test_someone_outside_the_inbox_gets_404(client, overdue):
    outsider = UserFactory()
    InboxFactory()
    client.force_login(outsider)
    response = client.post(
        reverse("recovery:trends:prevention-done", args=[overdue.pk]), {"done": "1"}
    )
    assert response.status_code == 404


def test_the_api_lists_when_it_was_done(client, overdue, manager):
    services.post_mortem_prevention_done(post_mortem=overdue, actor=manager)
    client.force_login(manager)
    body = client.get(reverse("recovery-api:trends-api:post-mortems")).json()
    assert body["results"][0]["prevention_done_at"] is not None
    past_due = client.get(
        reverse("recovery-api:trends-api:post-mortems"), {"overdue": "true"}
    ).json()
    assert past_due["results"] == []


def test_a_closed_case_still_shows_its_post_mortem_to_mark_done(client, overdue, agent):
    # given the case is closed
    case = overdue.case
    case.status = case.Status.CLOSED
    case.closed_at = timezone.now()
    case.save()
    client.force_login(agent)
    # when
    page = client.get(case.ticket.get_absolute_url()).content.decode()
    # then the ticket page shows the record with the button
    assert 'data-testid="prevention-done"' in page
    services.post_mortem_prevention_done(post_mortem=overdue, actor=agent)
    page = client.get(case.ticket.get_absolute_url()).content.decode()
    assert 'data-testid="prevention-done-at"' in page


def test_the_case_history_says_what_happened_to_the_action(overdue, agent):
    services.post_mortem_prevention_done(post_mortem=overdue, actor=agent)
    event = overdue.case.events.get(kind=CaseEvent.Kind.PREVENTION_DONE)
    assert case_event_summary(event) == "marked the prevention action done"
