"""Every (from, to) pair of both state machines against their tables, so the
tables and the one writer of each state cannot drift apart."""

import itertools

import pytest

from followups.models import FollowUp, Promise
from followups.services._base import set_followup_state, set_promise_state
from followups.tests.factories import FollowUpFactory, PromiseFactory
from helpdesk.exceptions import TransitionNotAllowed

pytestmark = pytest.mark.django_db

PROMISE_PAIRS = list(itertools.product(Promise.State.values, repeat=2))
FOLLOWUP_PAIRS = list(itertools.product(FollowUp.State.values, repeat=2))


@pytest.mark.parametrize(("current", "target"), PROMISE_PAIRS)
def test_promise_moves_only_along_its_transition_table(current, target):
    # given
    promise = PromiseFactory(state=current)
    allowed = target in Promise.TRANSITIONS[current]
    # when
    if allowed:
        set_promise_state(promise, to=target, actor=None)
    else:
        with pytest.raises(TransitionNotAllowed):
            set_promise_state(promise, to=target, actor=None)
    # then
    promise.refresh_from_db()
    assert promise.state == (target if allowed else current)
    events = list(promise.events.values_list("from_state", "to_state"))
    assert events == ([(current, target)] if allowed else [])


@pytest.mark.parametrize(("current", "target"), FOLLOWUP_PAIRS)
def test_followup_moves_only_along_its_transition_table(current, target):
    # given
    followup = FollowUpFactory(state=current)
    allowed = target in FollowUp.TRANSITIONS[current]
    # when
    if allowed:
        set_followup_state(followup, to=target, actor=None)
    else:
        with pytest.raises(TransitionNotAllowed):
            set_followup_state(followup, to=target, actor=None)
    # then
    followup.refresh_from_db()
    assert followup.state == (target if allowed else current)
    events = list(followup.events.values_list("from_state", "to_state"))
    assert events == ([(current, target)] if allowed else [])


def test_kept_broken_and_withdrawn_promises_are_final():
    final = {Promise.State.KEPT, Promise.State.BROKEN, Promise.State.WITHDRAWN}
    assert all(not Promise.TRANSITIONS[state] for state in final)


def test_done_and_cancelled_followups_are_final():
    final = {FollowUp.State.DONE, FollowUp.State.CANCELLED}
    assert all(not FollowUp.TRANSITIONS[state] for state in final)
