"""Every figure of the dashboard in a handful of statements."""

from dataclasses import dataclass
from datetime import date

from recovery.trends.models import ChangeEvent
from recovery.trends.selectors.changes import change_event_list, change_windows
from recovery.trends.selectors.facts import (
    CaseFacts,
    Satisfaction,
    TicketFacts,
    period_facts,
)
from recovery.trends.selectors.findings import SpikeReport, spike_report
from recovery.trends.selectors.money import Compensation, compensation
from recovery.trends.selectors.names import agent_names, component_names
from recovery.trends.selectors.scope import Scope, weeks_of

# Components drawn as their own line; the rest are summed as "other".
MAX_COMPONENT_SERIES = 6


@dataclass
class Dashboard:
    scope: Scope
    weeks: list[date]
    events: list[ChangeEvent]
    cases: CaseFacts
    tickets: TicketFacts
    compensation: Compensation
    satisfaction: Satisfaction
    spikes: SpikeReport
    agents: dict[int, str]
    components: dict[int, str]
    inbox_names: dict[int, str]


def dashboard(*, scope: Scope, with_money: bool = True) -> Dashboard:
    """Every figure of the dashboard: a handful of statements whatever the
    size of the period (compensation can be left out)."""
    events = change_event_list(scope=scope)
    windows = change_windows(scope=scope, events=events)
    facts = period_facts(scope=scope, windows=windows)
    cases, tickets = facts.cases, facts.tickets
    money = compensation(scope=scope) if with_money else Compensation()
    agent_ids = (
        {a for (_d, _h, a) in cases.slots}
        | {a for (_d, _h, a) in tickets.slots}
        | {s.agent_id for s in money.by_agent}
    )
    names = agent_names(agent_ids)
    return Dashboard(
        scope=scope,
        weeks=weeks_of(scope),
        events=events,
        cases=cases,
        tickets=tickets,
        compensation=money,
        satisfaction=facts.satisfaction,
        spikes=spike_report(
            scope=scope, cases=cases, tickets=tickets, windows=windows, names=names
        ),
        agents=names,
        components=component_names({c for (_w, c) in cases.by_component}),
        inbox_names={i.pk: i.name for i in scope.inboxes},
    )
