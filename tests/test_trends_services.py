"""Change events and the reminders for overdue prevention actions."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from followups import dispatcher
from followups.models import FollowUp, Notification
from helpdesk.exceptions import DomainError
from recovery.tests.factories import PostMortemFactory, RecoveryCaseFactory
from recovery.trends import services
from recovery.trends.models import CaseFact, ChangeEvent, PreventionReminder
from recovery.trends.tasks import prevention_remind_overdue_task
from tickets.models import Ticket
from tickets.tests.factories import TicketFactory

NOW = datetime(2025, 3, 20, 9, 0, tzinfo=UTC)


def test_a_manager_records_a_change(manager, inbox):
    change = services.change_event_create(
        actor=manager,
        inbox=inbox,
        kind=ChangeEvent.Kind.SUPPLIER,
        title="  New courier for the north  ",
        happened_at=NOW,
    )
    assert (change.title, change.created_by) == ("New courier for the north", manager)


def test_an_agent_cannot_record_a_change(agent, inbox):
    with pytest.raises(PermissionDenied):
        services.change_event_create(
            actor=agent, inbox=inbox, kind="release", title="x", happened_at=NOW
        )
    assert not ChangeEvent.objects.exists()


@pytest.mark.parametrize(("kind", "title"), [("weather", "Storm"), ("release", "   ")])
def test_a_change_needs_a_known_kind_and_a_title(manager, inbox, kind, title):
    with pytest.raises(DomainError):
        services.change_event_create(
            actor=manager, inbox=inbox, kind=kind, title=title, happened_at=NOW
        )


# --- reminders -----------------------------------------------------------------


@pytest.fixture
def overdue(inbox, agent):
    """A prevention action of Alex's that was due yesterday (Berlin)."""
    case = RecoveryCaseFactory(ticket=TicketFactory(inbox=inbox, assignee=agent))
    return PostMortemFactory(
        case=case,
        prevention_owner=agent,
        prevention_action="Check the courier cut-off every morning",
        prevention_due_date=date(2025, 3, 19),
    )


def test_the_owner_of_an_overdue_prevention_action_is_reminded_once(overdue, agent):
    # when the scan runs twice
    first = services.prevention_remind_overdue(now=NOW)
    second = services.prevention_remind_overdue(now=NOW + timedelta(hours=1))
    # then one follow-up, due now, for the owner
    assert (first, second) == (1, 0)
    followup = FollowUp.objects.get()
    assert followup.kind == FollowUp.Kind.CUSTOM
    assert (followup.owner, followup.ticket) == (agent, overdue.case.ticket)
    assert followup.case_id == overdue.case_id
    assert followup.note == "Check the courier cut-off every morning"
    with translation.override("en"):
        assert followup.note_text == (
            "Prevention action overdue since 19 Mar 2025: "
            "Check the courier cut-off every morning"
        )
    with translation.override("de"):
        assert followup.note_text.startswith(
            "Maßnahme zur Vorbeugung seit 19. März 2025 überfällig: Check"
        )
    assert PreventionReminder.objects.get().followup_id == followup.pk


def test_the_reminder_reaches_the_owner_when_the_follow_up_fires(overdue, agent):
    services.prevention_remind_overdue(now=NOW)
    followup = FollowUp.objects.get()
    dispatcher.followup_fire(followup_ids=[followup.pk], now=NOW)
    reminder = Notification.objects.get()
    assert (reminder.recipient, reminder.kind) == (agent, "followup_due")


def test_an_action_not_yet_due_in_the_inbox_time_zone_waits(overdue):
    # given 23:30 UTC on the 18th is already the 19th in Berlin, the due day
    services_now = datetime(2025, 3, 18, 23, 30, tzinfo=UTC)
    assert services.prevention_remind_overdue(now=services_now) == 0
    # the next day it is overdue
    assert services.prevention_remind_overdue(now=services_now + timedelta(days=1)) == 1


def test_a_new_due_date_that_passes_reminds_again(overdue):
    services.prevention_remind_overdue(now=NOW)
    overdue.prevention_due_date = date(2025, 3, 25)
    overdue.save()
    assert services.prevention_remind_overdue(now=NOW + timedelta(days=7)) == 1
    assert FollowUp.objects.count() == 2


def test_long_past_actions_are_history_not_reminders(overdue):
    later = NOW + services.REMIND_WITHIN + timedelta(days=2)
    assert services.prevention_remind_overdue(now=later) == 0


def test_the_task_runs_the_scan(overdue):
    overdue.prevention_due_date = timezone.localdate() - timedelta(days=2)
    overdue.save()
    assert prevention_remind_overdue_task.apply().get() == 1


# --- trend facts ---------------------------------------------------------------


def test_the_facts_of_a_case_carry_its_ticket_and_post_mortem(inbox, agent):
    # given a documented case on Alex's ticket
    ticket = TicketFactory(inbox=inbox, assignee=agent, created_at=NOW)
    case = RecoveryCaseFactory(ticket=ticket, opened_at=NOW + timedelta(hours=1))
    PostMortemFactory(case=case, root_cause="system")
    # when
    written = services.case_facts_refresh()
    # then
    fact = CaseFact.objects.get()
    assert written == 1
    assert (fact.inbox_id, fact.agent_id, fact.root_cause) == (
        inbox.pk,
        agent.pk,
        "system",
    )
    assert fact.arrived_at == NOW


def test_the_recent_refresh_picks_up_a_late_post_mortem_and_a_reassignment(
    inbox, agent, manager
):
    # given facts written before the post-mortem and a reassignment
    ticket = TicketFactory(inbox=inbox, assignee=agent)
    case = RecoveryCaseFactory(ticket=ticket)
    services.case_facts_refresh()
    PostMortemFactory(case=case, root_cause="partner")
    Ticket.objects.filter(pk=ticket.pk).update(
        assignee=manager, updated_at=timezone.now()
    )
    # when
    services.case_facts_refresh_recent()
    # then
    fact = CaseFact.objects.get()
    assert (fact.root_cause, fact.agent_id) == ("partner", manager.pk)


def test_an_old_untouched_case_is_left_to_the_nightly_refresh(inbox):
    # given a case whose facts are written and nothing changed since
    old = timezone.now() - timedelta(days=30)
    ticket = TicketFactory(inbox=inbox, created_at=old, updated_at=old)
    RecoveryCaseFactory(ticket=ticket, opened_at=old, status_changed_at=old)
    services.case_facts_refresh()
    # when / then
    assert services.case_facts_refresh_recent() == 0
    assert services.case_facts_refresh() == 1


def test_deleting_a_case_deletes_its_facts(inbox):
    case = RecoveryCaseFactory(ticket=TicketFactory(inbox=inbox))
    services.case_facts_refresh()
    case.delete()
    assert not CaseFact.objects.exists()
