"""The case transition table, over every (from, to) pair, and the named
services that make each move."""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from helpdesk.exceptions import TransitionNotAllowed
from recovery import services
from recovery.models import (
    CaseEvent,
    Channel,
    ChoiceRequest,
    FailureType,
    PostMortem,
    RecoveryCase,
)
from recovery.services._base import _lock_case, _set_status
from recovery.tests.conftest import APOLOGY
from recovery.tests.factories import (
    ChoiceRequestFactory,
    PostMortemFactory,
    PromiseCheckFactory,
    RecoveryCaseFactory,
)
from tickets.tests.factories import ComponentFactory

Status = RecoveryCase.Status
TABLE = RecoveryCase.TRANSITIONS
PAIRS = list(itertools.product(Status.values, Status.values))


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_every_status_pair_follows_the_transition_table(
    db, agent, ticket, current, target
):
    # given
    case = RecoveryCaseFactory(ticket=ticket, status=current)
    allowed = target in TABLE[current]
    # when
    with transaction.atomic():
        locked = _lock_case(case)
        if allowed:
            _set_status(locked, to=target, actor=agent, note="moved")
        else:
            with pytest.raises(TransitionNotAllowed):
                _set_status(locked, to=target, actor=agent)
    # then
    case.refresh_from_db()
    assert case.status == (target if allowed else current)
    events = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.STATUS)
    if allowed:
        event = events.get()
        assert (event.from_status, event.to_status, event.actor, event.note) == (
            current,
            target,
            agent,
            "moved",
        )
    else:
        assert not events.exists()


def test_closed_is_final():
    assert TABLE[Status.CLOSED] == frozenset()


# --- the named services ------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """A named service: the statuses it starts from and where it leads."""

    name: str
    sources: frozenset[str]
    target: str | None  # None: back to where the case was escalated from
    run: Callable[[RecoveryCase, object], object]
    prepare: Callable[[RecoveryCase, object], None] = lambda case, agent: None


def _broken_promise_with_sent_options(case: RecoveryCase, agent) -> None:
    case.failure_type = FailureType.BROKEN_PROMISE
    case.save()
    PromiseCheckFactory(case=case, checked_by=agent)
    ChoiceRequestFactory(case=case, status=ChoiceRequest.Status.SENT)


def _broken_promise_with_draft(case: RecoveryCase, agent) -> None:
    case.failure_type = FailureType.BROKEN_PROMISE
    case.save()
    PromiseCheckFactory(case=case, checked_by=agent)
    ChoiceRequestFactory(case=case)


def _escalatable() -> frozenset[str]:
    return frozenset(s for s in Status.values if Status.ESCALATED in TABLE[s])


MOVES = [
    Move(
        "acknowledge",
        frozenset({Status.OPENED}),
        Status.ACKNOWLEDGED,
        lambda case, agent: services.case_acknowledge(
            case=case, actor=agent, channel=Channel.PHONE, text=APOLOGY
        ),
    ),
    Move(
        "understand",
        frozenset({Status.ACKNOWLEDGED}),
        Status.UNDERSTOOD,
        lambda case, agent: services.case_understand(
            case=case,
            actor=agent,
            customer_account="Waited at home all day.",
            chain_of_events="Picked late, missed the courier.",
            cause="Short-staffed warehouse shift.",
            fair_outcome="Shipping refunded.",
        ),
    ),
    Move(
        "resolve",
        frozenset({Status.UNDERSTOOD}),
        Status.RESOLVED,
        lambda case, agent: services.case_resolve(
            case=case,
            actor=agent,
            solution="Sent by express.",
            no_compensation_reason="The customer asked for nothing more.",
        ),
    ),
    Move(
        "send_options",
        frozenset({Status.UNDERSTOOD}),
        Status.AWAITING_CUSTOMER,
        lambda case, agent: services.case_send_options(case=case, actor=agent),
        _broken_promise_with_draft,
    ),
    Move(
        "choice",
        frozenset({Status.AWAITING_CUSTOMER}),
        Status.UNDERSTOOD,
        lambda case, agent: services.choice_record(
            request=case.choice_requests.get(),
            option=ChoiceRequest.Option.WAIT,
        ),
        _broken_promise_with_sent_options,
    ),
    Move(
        "withdraw_options",
        frozenset({Status.AWAITING_CUSTOMER}),
        Status.UNDERSTOOD,
        lambda case, agent: services.case_withdraw_options(case=case, actor=agent),
        _broken_promise_with_sent_options,
    ),
    Move(
        "satisfaction",
        frozenset({Status.RESOLVED}),
        Status.FOLLOWED_UP,
        lambda case, agent: services.case_record_satisfaction(
            case=case, score=4, comment="Fine now.", actor=agent, channel="phone"
        ),
    ),
    Move(
        "document",
        frozenset({Status.FOLLOWED_UP}),
        Status.DOCUMENTED,
        lambda case, agent: services.case_document(
            case=case,
            actor=agent,
            chain_of_events="Picked late, missed the courier.",
            root_cause=PostMortem.RootCause.CAPACITY,
            component=ComponentFactory(),
            is_preventable=True,
            prevention_action="Second picker on Mondays.",
            prevention_owner=agent,
            prevention_due_date=timezone.localdate() + timedelta(days=7),
        ),
    ),
    Move(
        "close",
        frozenset({Status.DOCUMENTED}),
        Status.CLOSED,
        lambda case, agent: services.case_close(case=case, actor=agent),
        lambda case, agent: PostMortemFactory(case=case, prevention_owner=agent),
    ),
    Move(
        "escalate",
        _escalatable(),
        Status.ESCALATED,
        lambda case, agent: services.case_escalate(
            case=case, actor=agent, target="Logistics specialists", reason="Stock."
        ),
    ),
]
RETURN_TARGETS = sorted(TABLE[Status.ESCALATED])


def _pairs_made_by_services() -> set[tuple[str, str]]:
    pairs = {(s, m.target) for m in MOVES for s in m.sources}
    return pairs | {(Status.ESCALATED, t) for t in RETURN_TARGETS}


def test_every_move_in_the_table_has_a_named_service():
    table = {(a, b) for a, targets in TABLE.items() for b in targets}
    assert _pairs_made_by_services() == table


@pytest.mark.parametrize(
    ("move", "current"),
    [(m, s) for m in MOVES for s in Status.values],
    ids=[f"{m.name}-from-{s}" for m in MOVES for s in Status.values],
)
def test_named_service_moves_only_from_its_own_step(
    db, agent, ticket, move, current, mailoutbox
):
    # given a case in `current` with what the step needs
    case = RecoveryCaseFactory(ticket=ticket, status=current, owner=agent)
    if current == Status.ESCALATED:
        case.escalated_from = Status.OPENED
        case.save()
    move.prepare(case, agent)
    # when / then
    if current in move.sources:
        move.run(case, agent)
        case.refresh_from_db()
        assert case.status == move.target
        event = case.events.get(kind=CaseEvent.Kind.STATUS)
        assert (event.from_status, event.to_status) == (current, move.target)
    else:
        with pytest.raises(TransitionNotAllowed):
            move.run(case, agent)
        case.refresh_from_db()
        assert case.status == current
        assert not case.events.filter(kind=CaseEvent.Kind.STATUS).exists()


@pytest.mark.parametrize("back_to", RETURN_TARGETS)
def test_an_escalated_case_returns_to_where_it_was(db, agent, ticket, back_to):
    # given
    case = RecoveryCaseFactory(
        ticket=ticket, status=Status.ESCALATED, escalated_from=back_to
    )
    # when
    services.case_return(case=case, actor=agent, note="Stock found in Leipzig.")
    # then
    case.refresh_from_db()
    assert case.status == back_to
    assert case.escalated_from == ""
    assert case.events.get().note == "Stock found in Leipzig."


@pytest.mark.parametrize("current", sorted(set(Status.values) - {Status.ESCALATED}))
def test_only_an_escalated_case_can_be_taken_back(db, agent, ticket, current):
    case = RecoveryCaseFactory(ticket=ticket, status=current)
    with pytest.raises(TransitionNotAllowed):
        services.case_return(case=case, actor=agent)
