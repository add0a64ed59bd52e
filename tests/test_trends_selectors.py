"""Trend figures computed in SQL: scope, time zones, planted patterns."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from followups.tests.factories import FollowUpFactory
from recovery.models import Offer, PostMortem
from recovery.tests.factories import (
    OfferFactory,
    PostMortemFactory,
    RecoveryCaseFactory,
)
from recovery.trends import selectors, services, spikes
from recovery.trends.models import ChangeEvent
from tests.trends_data import history, team
from tickets.models import Membership
from tickets.tests.factories import (
    ComponentFactory,
    CustomerFactory,
    InboxFactory,
    MembershipFactory,
    TicketFactory,
)

NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)


def _case(inbox, *, arrived: datetime, assignee=None, **case):
    ticket = TicketFactory(inbox=inbox, created_at=arrived, assignee=assignee)
    return RecoveryCaseFactory(
        ticket=ticket, opened_at=arrived + timedelta(minutes=10), **case
    )


def _scope(user, **kwargs):
    """The user's scope once the trend facts caught up with the test's data."""
    services.case_facts_refresh()
    return selectors.trend_scope(user=user, now=NOW, **kwargs)


# --- scope -------------------------------------------------------------------


def test_an_agent_gets_no_trends(agent):
    with pytest.raises(PermissionDenied):
        selectors.trend_scope(user=agent)


def test_a_manager_cannot_ask_for_an_inbox_they_do_not_manage(manager):
    # given an inbox where the manager is only an agent
    other = InboxFactory(slug="billing")
    MembershipFactory(inbox=other, user=manager, role=Membership.Role.AGENT)
    # then
    with pytest.raises(Http404):
        selectors.trend_scope(user=manager, inbox="billing")


def test_the_period_is_the_last_90_days_unless_asked(manager):
    scope = _scope(manager)
    assert (scope.start, scope.end) == (NOW - timedelta(days=90), NOW)
    custom = selectors.trend_scope(
        user=manager, date_from=date(2025, 1, 1), date_to=date(2025, 1, 31), now=NOW
    )
    assert custom.start.date() == date(2025, 1, 1)
    assert custom.end.date() == date(2025, 2, 1)


# --- cases and tickets -------------------------------------------------------


def test_cases_count_in_the_hour_and_weekday_of_the_inbox_time_zone(manager, inbox):
    # given Tuesday 7 January 2025, 08:30 UTC: 09:30 in Berlin
    _case(inbox, arrived=datetime(2025, 1, 7, 8, 30, tzinfo=UTC))
    scope = _scope(manager)
    # when
    facts = selectors.period_facts(scope=scope).cases
    # then
    assert facts.slots == {(1, 9, None): 1}


def test_cases_and_tickets_of_other_inboxes_are_left_out(manager, inbox):
    # given a case in an inbox the manager does not belong to
    arrived = NOW - timedelta(days=3)
    _case(inbox, arrived=arrived)
    _case(InboxFactory(), arrived=arrived)
    scope = _scope(manager)
    # when
    facts = selectors.period_facts(scope=scope)
    cases, tickets = facts.cases, facts.tickets
    # then
    assert cases.total == 1
    assert tickets.total == 1


def test_complaints_are_the_tickets_with_a_failure_category(manager, inbox):
    # given a late delivery and a question, both Monday 10:15 in Berlin
    arrived = datetime(2025, 3, 17, 9, 15, tzinfo=UTC)
    TicketFactory(inbox=inbox, created_at=arrived, category="late_delivery")
    TicketFactory(inbox=inbox, created_at=arrived, category="question")
    scope = _scope(manager)
    # when
    facts = selectors.period_facts(scope=scope).tickets
    # then: two tickets that hour, one of them a complaint
    assert facts.slots == {(0, 10, None): (2, 1)}


def test_a_case_counts_for_the_agent_of_its_ticket(manager, agent, inbox):
    _case(inbox, arrived=NOW - timedelta(days=1), assignee=agent)
    scope = _scope(manager)
    facts = selectors.period_facts(scope=scope).cases
    assert [agent_id for (_d, _h, agent_id) in facts.slots] == [agent.pk]


def test_weekly_counts_split_by_root_cause_and_component(manager, inbox):
    # given a documented case and one without a post-mortem yet
    checkout = ComponentFactory(name="Checkout")
    documented = _case(inbox, arrived=datetime(2025, 3, 11, 9, tzinfo=UTC))
    PostMortemFactory(
        case=documented, component=checkout, root_cause=PostMortem.RootCause.SYSTEM
    )
    _case(inbox, arrived=datetime(2025, 3, 12, 9, tzinfo=UTC))
    scope = _scope(manager)
    # when
    facts = selectors.period_facts(scope=scope).cases
    # then both fall in the week of Monday 10 March
    week = date(2025, 3, 10)
    assert facts.by_cause == {(week, "system"): 1, (week, ""): 1}
    assert facts.by_component == {(week, checkout.pk): 1, (week, None): 1}


# --- planted patterns --------------------------------------------------------


def test_the_planted_agent_hour_and_release_patterns_are_found(db):
    # given three months of history with both patterns planted
    people = team()
    history(people, now=NOW, seed=3)
    scope = _scope(people["maria"])
    # when
    report = selectors.spikes_for(scope=scope)
    # then
    assert sorted(s.kind for s in report.spikes) == [spikes.AGENT_HOUR, spikes.CHANGE]
    agent_hour = next(s for s in report.spikes if s.kind == spikes.AGENT_HOUR)
    assert (agent_hour.weekday, agent_hour.hour) == (1, 9)
    assert agent_hour.agent_id == people["priya"].pk
    sentences = " ".join(report.sentences)
    assert "Tuesday 9\u201310, agent P. Shah: " in sentences
    assert "After “Checkout release 4.2” (Release, " in sentences
    assert "to Checkout, cases rose from " in sentences


def test_the_same_history_without_patterns_shows_no_spike(db):
    people = team()
    history(people, now=NOW, seed=3, planted=False, change=False)
    scope = _scope(people["maria"])
    assert selectors.spikes_for(scope=scope).spikes == []


def test_a_change_in_another_inbox_is_not_compared(manager, inbox):
    # given a release recorded for an inbox the manager does not manage
    ChangeEvent.objects.create(
        inbox=InboxFactory(),
        kind=ChangeEvent.Kind.RELEASE,
        title="Elsewhere",
        happened_at=NOW - timedelta(days=10),
    )
    scope = _scope(manager)
    assert selectors.change_event_list(scope=scope) == []


def test_the_dashboard_takes_a_fixed_handful_of_queries(
    db, django_assert_max_num_queries
):
    people = team()
    history(people, now=NOW, seed=5, days=28)
    scope = _scope(people["maria"])
    # two aggregate statements (each with its settings and, inside the
    # test's transaction, a savepoint pair) and four small lookups
    with django_assert_max_num_queries(12):
        board = selectors.dashboard(scope=scope)
    assert board.cases.total > 0


# --- money and effectiveness -------------------------------------------------


def test_compensation_is_summed_per_currency_never_across(manager, agent, inbox):
    # given two approved offers in euros and one in pounds the same week
    case = _case(inbox, arrived=NOW - timedelta(days=3))
    decided = NOW - timedelta(days=2)
    for amount, currency in (("20.00", "EUR"), ("30.00", "EUR"), ("15.00", "GBP")):
        OfferFactory(
            case=case,
            created_by=agent,
            amount=Decimal(amount),
            currency=currency,
            status=Offer.Status.APPROVED,
            is_within_authority=True,
            decided_at=decided,
        )
    scope = _scope(manager)
    # when
    money = selectors.compensation(scope=scope)
    # then
    assert {c: sum(s.values()) for c, s in money.weekly.items()} == {
        "EUR": Decimal("50.00"),
        "GBP": Decimal("15.00"),
    }
    eur = next(s for s in money.by_agent if s.currency == "EUR")
    assert (eur.agent_id, eur.total, eur.month_limit) == (
        agent.pk,
        Decimal("50.00"),
        Decimal("300.00"),
    )
    gbp = next(s for s in money.by_agent if s.currency == "GBP")
    assert gbp.month_limit is None  # the limit is in euros


def test_approval_turnaround_is_the_time_a_manager_took(manager, agent, inbox):
    case = _case(inbox, arrived=NOW - timedelta(days=3))
    asked = NOW - timedelta(days=2)
    OfferFactory(
        case=case,
        created_by=agent,
        status=Offer.Status.APPROVED,
        is_within_authority=False,
        created_at=asked,
        decided_by=manager,
        decided_at=asked + timedelta(hours=4),
    )
    scope = _scope(manager)
    assert selectors.compensation(scope=scope).turnaround == (1, 4.0, 4.0)


def test_satisfaction_after_a_recovery_is_compared_with_customers_without_one(
    manager, inbox
):
    # given a recovered case rated 5 and a customer without a case who rated 3
    _case(
        inbox,
        arrived=NOW - timedelta(days=5),
        resolved_at=NOW - timedelta(days=4),
        satisfaction_score=5,
    )
    calm = TicketFactory(inbox=inbox, customer=CustomerFactory())
    followup = FollowUpFactory(ticket=calm, kind="satisfaction_check", state="done")
    followup.satisfaction_answer = None
    from followups.models import SatisfactionAnswer

    SatisfactionAnswer.objects.create(
        followup=followup, score=3, answered_at=NOW - timedelta(days=1)
    )
    scope = _scope(manager)
    # when
    result = selectors.period_facts(scope=scope).satisfaction
    # then
    assert (result.recovered.count, result.recovered.mean) == (1, 5.0)
    assert (result.no_failure.count, result.no_failure.mean) == (1, 3.0)


# --- the post-mortem log -----------------------------------------------------


def test_the_log_lists_post_mortems_of_managed_inboxes_only(manager, inbox):
    mine = PostMortemFactory(case=_case(inbox, arrived=NOW))
    PostMortemFactory(case=_case(InboxFactory(), arrived=NOW))
    assert list(selectors.post_mortem_list_for_manager(user=manager)) == [mine]


def test_the_log_filters_past_due_actions_and_searches_the_text(manager, inbox):
    late = PostMortemFactory(
        case=_case(inbox, arrived=NOW),
        prevention_action="Check the courier cut-off every morning",
        prevention_due_date=date(2025, 3, 1),
    )
    reword = PostMortemFactory(
        case=_case(inbox, arrived=NOW),
        prevention_action="Reword the invoice email",
        prevention_due_date=date(2025, 4, 1),
    )
    overdue = selectors.PostMortemFilters(overdue=True)
    search = selectors.PostMortemFilters(q="invoice")
    today = date(2025, 3, 20)
    assert list(
        selectors.post_mortem_list_for_manager(
            user=manager, filters=overdue, today=today
        )
    ) == [late]
    assert list(
        selectors.post_mortem_list_for_manager(user=manager, filters=search)
    ) == [reword]


def test_without_an_inbox_the_page_opens_on_the_busiest_one(manager, inbox):
    # given a second managed inbox, first by name, with fewer cases
    quiet = InboxFactory(name="Accounts", slug="accounts")
    MembershipFactory(inbox=quiet, user=manager, role=Membership.Role.MANAGER)
    for _ in range(2):
        _case(inbox, arrived=NOW - timedelta(days=2))
    _case(quiet, arrived=NOW - timedelta(days=2))
    # when
    scope = _scope(manager)
    # then
    assert scope.inboxes == (inbox,)
    assert len(_scope(manager, inbox="all").inboxes) == 2
