"""Races against real PostgreSQL: threads with their own connections, each
slowed down inside its critical section so that, without the row locks, they
would overlap."""

import threading
import time
from collections.abc import Callable
from decimal import Decimal

from django.db import connection

from helpdesk.exceptions import DomainError
from recovery import selectors, services
from recovery.models import CaseEvent, Channel, Offer, RecoveryCase
from recovery.services import offers as offer_services
from recovery.tests.conftest import APOLOGY
from recovery.tests.factories import RecoveryCaseFactory
from tickets.models import Membership
from tickets.tests.factories import MembershipFactory, TicketFactory

Status = RecoveryCase.Status
PAUSE = 0.2


def run_in_threads(*calls: Callable[[], object]) -> list[object]:
    """Start the calls together, each in its own thread and database
    connection; return each call's result or the DomainError it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except DomainError as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


def slowed(function: Callable) -> Callable:
    def slow(*args, **kwargs):
        result = function(*args, **kwargs)
        time.sleep(PAUSE)
        return result

    return slow


def test_two_managers_deciding_one_offer_give_one_decision(
    transactional_db, inbox, agent, manager, monkeypatch
):
    # given a pending offer and two managers of the inbox
    other = MembershipFactory(inbox=inbox, role=Membership.Role.MANAGER).user
    case = RecoveryCaseFactory(
        ticket=TicketFactory(inbox=inbox), status=Status.UNDERSTOOD
    )
    pending = services.offer_create(
        case=case, actor=agent, kind="refund", amount="200.00", currency="EUR"
    )
    # and a pause after each manager sees the offer still pending
    monkeypatch.setattr(
        offer_services, "_require_pending", slowed(offer_services._require_pending)
    )

    # when both decide at once
    results = run_in_threads(
        lambda: services.offer_approve(
            offer=Offer.objects.get(pk=pending.pk), actor=manager
        ),
        lambda: services.offer_reject(
            offer=Offer.objects.get(pk=pending.pk), actor=other, reason="Too much."
        ),
    )

    # then exactly one decision was made and the other was told
    decided = [r for r in results if isinstance(r, Offer)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(decided) == 1
    assert len(refused) == 1
    assert "already decided" in refused[0].message
    pending.refresh_from_db()
    assert pending.status == decided[0].status
    decisions = CaseEvent.objects.filter(
        offer=pending,
        kind__in=[CaseEvent.Kind.OFFER_APPROVED, CaseEvent.Kind.OFFER_REJECTED],
    )
    assert decisions.count() == 1


def test_parallel_offers_never_pass_the_monthly_limit(
    transactional_db, inbox, agent, monkeypatch
):
    # given the agent may grant EUR 50 per offer and EUR 300 a month, and ten
    # cases to offer EUR 40 on, each on its own ticket
    cases = [
        RecoveryCaseFactory(ticket=TicketFactory(inbox=inbox), status=Status.UNDERSTOOD)
        for _ in range(10)
    ]
    # and a pause after each reads the month's spend
    monkeypatch.setattr(selectors, "month_spend", slowed(selectors.month_spend))

    # when all ten offers are made at once
    results = run_in_threads(
        *(
            lambda case=case: services.offer_create(
                case=case, actor=agent, kind="credit", amount="40.00", currency="EUR"
            )
            for case in cases
        )
    )

    # then seven fit the month (EUR 280) and the others wait for a manager
    assert all(isinstance(r, Offer) for r in results)
    approved = Offer.objects.filter(status=Offer.Status.APPROVED)
    assert approved.count() == 7
    assert sum(o.amount for o in approved) == Decimal("280.00")
    assert Offer.objects.filter(status=Offer.Status.PENDING).count() == 3


def test_two_agents_acknowledging_one_case_move_it_once(transactional_db, inbox, agent):
    # given
    colleague = MembershipFactory(inbox=inbox).user
    case = RecoveryCaseFactory(ticket=TicketFactory(inbox=inbox))

    def acknowledge(actor):
        return services.case_acknowledge(
            case=RecoveryCase.objects.get(pk=case.pk),
            actor=actor,
            channel=Channel.PHONE,
            text=APOLOGY,
        )

    # when
    results = run_in_threads(lambda: acknowledge(agent), lambda: acknowledge(colleague))

    # then
    assert sum(isinstance(r, RecoveryCase) for r in results) == 1
    refused = next(r for r in results if isinstance(r, DomainError))
    assert refused.status_code == 409
    assert case.events.filter(to_status=Status.ACKNOWLEDGED).count() == 1


def test_two_openings_on_one_ticket_make_one_case(transactional_db, inbox, agent):
    # given
    ticket = TicketFactory(inbox=inbox)

    def open_case():
        return services.case_open(
            ticket=ticket,
            actor=agent,
            failure_type="defect",
            severity="minor",
            attribution="ours",
            is_preventable=True,
            is_foreseeable=False,
        )

    # when
    results = run_in_threads(open_case, open_case)

    # then
    assert sum(isinstance(r, RecoveryCase) for r in results) == 1
    assert RecoveryCase.objects.filter(ticket=ticket).count() == 1
