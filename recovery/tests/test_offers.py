"""Compensation within authority, approvals by managers, and the month's spend."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from freezegun import freeze_time

from helpdesk.exceptions import ConcurrentUpdate, DomainError
from recovery import selectors, services, tasks
from recovery.models import CaseEvent, Offer, RecoveryCase
from recovery.tests.factories import OfferFactory, RecoveryCaseFactory
from tickets.models import Membership
from tickets.tests.factories import InboxFactory, MembershipFactory, TicketFactory

Status = RecoveryCase.Status
# The shared `agent` may grant EUR 50 per offer and EUR 300 a month.


@pytest.fixture
def understood(ticket, agent) -> RecoveryCase:
    return RecoveryCaseFactory(ticket=ticket, status=Status.UNDERSTOOD, owner=agent)


def offer(case, actor, amount, currency="EUR", kind="credit") -> Offer:
    return services.offer_create(
        case=case, actor=actor, kind=kind, amount=amount, currency=currency
    )


def spent_this_month(agent, inbox, amount: str, **fields) -> Offer:
    """An offer the agent already granted within their authority."""
    defaults = {
        "status": Offer.Status.APPROVED,
        "is_within_authority": True,
        "decided_by": agent,
        "decided_at": timezone.now(),
    }
    return OfferFactory(
        case=RecoveryCaseFactory(ticket=TicketFactory(inbox=inbox)),
        created_by=agent,
        amount=Decimal(amount),
        **(defaults | fields),
    )


# --- the authority matrix ----------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "already_spent", "approved"),
    [
        pytest.param("30.00", "EUR", "0", True, id="within-both-limits"),
        pytest.param("50.00", "EUR", "250.00", True, id="exactly-at-both-limits"),
        pytest.param("50.01", "EUR", "0", False, id="over-per-offer"),
        pytest.param("40.00", "EUR", "270.00", False, id="over-per-month"),
        pytest.param("10.00", "USD", "0", False, id="other-currency"),
        pytest.param("0", "USD", "300.00", True, id="non-monetary"),
    ],
)
def test_authority_matrix(
    db, understood, agent, inbox, amount, currency, already_spent, approved
):
    # given
    if Decimal(already_spent):
        spent_this_month(agent, inbox, already_spent)
    # when
    made = offer(understood, agent, amount, currency)
    # then
    expected = Offer.Status.APPROVED if approved else Offer.Status.PENDING
    assert made.status == expected
    assert made.is_within_authority is approved
    assert (made.decided_by == agent) is approved
    assert bool(made.approval_reason) is not approved


def test_an_offer_in_another_currency_says_why_it_needs_approval(db, understood, agent):
    made = offer(understood, agent, "10.00", "USD")
    assert "USD" in made.approval_reason
    assert "not added up" in made.approval_reason


def test_an_offer_within_authority_is_audited_and_emails_nobody(
    db, understood, agent, manager, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = offer(understood, agent, "25.00")
    kinds = list(understood.events.values_list("kind", flat=True))
    assert kinds == [CaseEvent.Kind.OFFER_MADE, CaseEvent.Kind.OFFER_APPROVED]
    assert made.status == Offer.Status.APPROVED
    assert mailoutbox == []


def test_an_offer_above_authority_emails_the_inbox_managers_after_commit(
    db, understood, agent, manager, mailoutbox, django_capture_on_commit_callbacks
):
    # given another inbox's manager who must not hear of it
    MembershipFactory(inbox=InboxFactory(), role=Membership.Role.MANAGER)
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        made = offer(understood, agent, "120.00")
    # then
    assert len(callbacks) == 1
    assert made.status == Offer.Status.PENDING
    assert [m.to for m in mailoutbox] == [[manager.email]]
    assert "€120.00" in mailoutbox[0].subject
    assert understood.ticket.reference in mailoutbox[0].subject
    assert "/recovery/approvals/" in mailoutbox[0].body
    made.refresh_from_db()
    assert made.managers_notified_at is not None


def test_the_managers_are_emailed_once_even_if_the_task_runs_twice(
    db, understood, agent, manager, mailoutbox
):
    made = offer(understood, agent, "120.00")
    assert services.offer_notify_managers(offer_id=made.pk) == 1
    assert services.offer_notify_managers(offer_id=made.pk) == 0
    assert len(mailoutbox) == 1


def test_a_manager_acting_on_their_own_offer_within_their_limits_is_approved(
    db, understood, manager
):
    # the manager fixture has the factory's limits: EUR 50 per offer
    made = offer(understood, manager, "45.00")
    assert made.status == Offer.Status.APPROVED
    assert made.is_within_authority


# --- the month's spend -------------------------------------------------------


def test_month_spend_counts_only_own_authority_in_this_inbox_currency_and_month(
    db, agent, inbox
):
    # given what counts: EUR 40 granted by the agent this month in this inbox
    spent_this_month(agent, inbox, "40.00")
    # and what does not
    spent_this_month(agent, inbox, "7.00", currency="GBP")
    other_inbox = MembershipFactory(user=agent).inbox
    spent_this_month(agent, other_inbox, "11.00")
    spent_this_month(agent, inbox, "13.00", is_within_authority=False)  # a manager's
    spent_this_month(agent, inbox, "17.00", status=Offer.Status.WITHDRAWN)
    spent_this_month(
        agent,
        inbox,
        "19.00",
        decided_at=timezone.now() - timezone.timedelta(days=40),
    )
    membership = Membership.objects.get(user=agent, inbox=inbox)
    # when
    spend = selectors.month_spend(
        membership=membership, currency="EUR", now=timezone.now()
    )
    # then
    assert spend == Decimal("40.00")


def test_the_month_is_the_calendar_month_in_the_inboxs_time_zone(db, agent, inbox):
    # given an offer granted at 23:30 UTC on 31 May: 01:30 on 1 June in Berlin
    berlin = ZoneInfo("Europe/Berlin")
    spent_this_month(
        agent,
        inbox,
        "25.00",
        decided_at=datetime(2025, 5, 31, 23, 30, tzinfo=ZoneInfo("UTC")),
    )
    membership = Membership.objects.get(user=agent, inbox=inbox)
    # when / then it counts for June in Berlin, not for May
    june = datetime(2025, 6, 15, 12, tzinfo=berlin)
    may = datetime(2025, 5, 31, 12, tzinfo=berlin)
    assert selectors.month_spend(
        membership=membership, currency="EUR", now=june
    ) == Decimal("25.00")
    assert selectors.month_spend(
        membership=membership, currency="EUR", now=may
    ) == Decimal("0.00")


def test_a_new_month_restores_the_authority(db, understood, agent, inbox):
    # given the agent used up their month in January
    with freeze_time("2025-01-20 10:00:00"):
        spent_this_month(agent, inbox, "290.00")
        assert offer(understood, agent, "20.00").status == Offer.Status.PENDING
    # when they make an offer in February
    with freeze_time("2025-02-01 09:00:00"):
        made = offer(understood, agent, "20.00")
    # then it is approved at once
    assert made.status == Offer.Status.APPROVED


# --- decisions ---------------------------------------------------------------


@pytest.fixture
def pending(understood, agent) -> Offer:
    return offer(understood, agent, "120.00")


def test_a_manager_approves_and_the_maker_is_told(
    db, pending, manager, agent, mailoutbox, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_approve(offer=pending, actor=manager, note="Loyal customer.")
    # then
    pending.refresh_from_db()
    assert pending.status == Offer.Status.APPROVED
    assert (pending.decided_by, pending.decision_note) == (manager, "Loyal customer.")
    assert not pending.is_within_authority
    assert [m.to for m in mailoutbox] == [[agent.email]]
    assert "approved" in mailoutbox[0].subject.lower()
    event = pending.case.events.get(kind=CaseEvent.Kind.OFFER_APPROVED)
    assert event.actor == manager


def test_a_manager_can_change_the_amount(db, pending, manager):
    services.offer_approve(
        offer=pending, actor=manager, amount="80.00", note="Half was shipped."
    )
    pending.refresh_from_db()
    assert pending.amount == Decimal("80.00")
    assert pending.requested_amount == Decimal("120.00")
    # the change is told in each reader's language, the reason as written
    assert pending.decision_note == "Half was shipped."
    assert pending.decision_text == (
        "Amount changed from €120.00 to €80.00. Half was shipped."
    )
    with translation.override("de"):
        assert pending.decision_text == (
            "Betrag von 120,00 € auf 80,00 € geändert. Half was shipped."
        )


def test_a_manager_rejects_with_a_reason(db, pending, manager):
    with pytest.raises(DomainError, match="reason"):
        services.offer_reject(offer=pending, actor=manager, reason=" ")
    services.offer_reject(
        offer=pending, actor=manager, reason="A replacement is fairer here."
    )
    pending.refresh_from_db()
    assert pending.status == Offer.Status.REJECTED
    assert pending.decision_note == "A replacement is fairer here."


def test_an_agent_cannot_decide_offers(db, pending, agent, inbox):
    colleague = MembershipFactory(inbox=inbox).user
    with pytest.raises(services.NotAManager):
        services.offer_approve(offer=pending, actor=colleague)
    pending.refresh_from_db()
    assert pending.status == Offer.Status.PENDING


def test_a_manager_cannot_approve_their_own_offer(db, understood, manager):
    own = offer(understood, manager, "500.00")
    with pytest.raises(services.NotAManager, match="Another manager"):
        services.offer_approve(offer=own, actor=manager)


def test_an_offer_is_decided_once(db, pending, manager, inbox):
    # given
    other_manager = MembershipFactory(inbox=inbox, role=Membership.Role.MANAGER).user
    stale = Offer.objects.get(pk=pending.pk)
    services.offer_reject(offer=pending, actor=manager, reason="Too much.")
    # when / then
    with pytest.raises(ConcurrentUpdate, match="already decided"):
        services.offer_approve(offer=stale, actor=other_manager)
    pending.refresh_from_db()
    assert pending.status == Offer.Status.REJECTED


def test_the_customers_answer_is_recorded_on_approved_offers_only(
    db, understood, agent, pending
):
    with pytest.raises(DomainError):
        services.offer_answer(offer=pending, actor=agent, answer="accepted")
    approved = offer(understood, agent, "10.00")
    services.offer_answer(offer=approved, actor=agent, answer="accepted")
    approved.refresh_from_db()
    assert approved.customer_answer == Offer.Answer.ACCEPTED
    with pytest.raises(DomainError, match="already recorded"):
        services.offer_answer(offer=approved, actor=agent, answer="declined")


def test_a_withdrawn_offer_no_longer_counts_against_the_month(
    db, understood, agent, inbox
):
    # given
    made = offer(understood, agent, "50.00")
    # when
    services.offer_withdraw(offer=made, actor=agent)
    # then
    membership = Membership.objects.get(user=agent, inbox=inbox)
    assert selectors.month_spend(
        membership=membership, currency="EUR", now=timezone.now()
    ) == Decimal("0.00")


def test_offers_are_made_before_the_case_is_resolved(db, ticket, agent):
    case = RecoveryCaseFactory(ticket=ticket, status=Status.RESOLVED)
    with pytest.raises(DomainError, match="before the case is resolved"):
        offer(case, agent, "10.00")


@pytest.mark.parametrize("amount", ["-1", "abc", "1e12"])
def test_offer_amounts_are_validated(db, understood, agent, amount):
    with pytest.raises(DomainError):
        offer(understood, agent, amount)


def test_a_lost_notification_is_sent_by_the_sweep_once(
    db, understood, agent, manager, mailoutbox
):
    # given an offer waiting for approval whose email task never ran
    made = offer(understood, agent, "120.00")
    assert mailoutbox == []
    # when the sweep runs a while later, twice
    with freeze_time(timezone.now() + timezone.timedelta(minutes=10)):
        first = tasks.notify_sweep_task()
        second = tasks.notify_sweep_task()
    # then the managers got exactly one email
    assert (first, second) == (1, 0)
    assert [m.to for m in mailoutbox] == [[manager.email]]
    made.refresh_from_db()
    assert made.managers_notified_at is not None


def test_the_sweep_leaves_offers_within_authority_alone(db, understood, agent):
    offer(understood, agent, "20.00")
    with freeze_time(timezone.now() + timezone.timedelta(minutes=10)):
        assert tasks.notify_sweep_task() == 0
