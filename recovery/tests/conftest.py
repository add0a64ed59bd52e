"""Fixtures for recovery tests: a case on the shared `ticket` of the
"support" inbox, worked by `agent` (limits EUR 50 per offer, 300 a month)
with `manager` as the inbox's manager."""

import pytest

from recovery.models import FailureType, RecoveryCase
from recovery.tests.factories import PromiseCheckFactory, RecoveryCaseFactory
from tickets.tests.factories import ComponentFactory

Status = RecoveryCase.Status

APOLOGY = (
    "Dear Ada, I am sorry that your parcel arrived late. Let me see what I can do."
)


@pytest.fixture
def case(ticket, agent) -> RecoveryCase:
    """An opened case on the support ticket, owned by the agent."""
    return RecoveryCaseFactory(ticket=ticket, owner=agent, opened_by=agent)


@pytest.fixture
def broken_promise_case(ticket, agent) -> RecoveryCase:
    """An understood broken-promise case with one check recorded."""
    case = RecoveryCaseFactory(
        ticket=ticket,
        owner=agent,
        opened_by=agent,
        failure_type=FailureType.BROKEN_PROMISE,
        status=Status.UNDERSTOOD,
    )
    PromiseCheckFactory(case=case, checked_by=agent)
    return case


@pytest.fixture
def component():
    return ComponentFactory(name="Warehouse Leipzig")
