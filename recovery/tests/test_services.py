"""The five steps: what each records and what it refuses to advance without."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.exceptions import ConcurrentUpdate, DomainError
from recovery import services, texts
from recovery.models import (
    Attribution,
    CaseEvent,
    Channel,
    FailureType,
    Offer,
    PostMortem,
    RecoveryCase,
    Severity,
)
from recovery.tests.conftest import APOLOGY
from recovery.tests.factories import (
    OfferFactory,
    PostMortemFactory,
    RecoveryCaseFactory,
)
from tickets.models import Message, OutboundEmail, Ticket
from tickets.tests.factories import (
    CustomerFactory,
    InboxFactory,
    MembershipFactory,
    TicketFactory,
    UserFactory,
)

Status = RecoveryCase.Status


def open_case(ticket: Ticket, actor, **overrides) -> RecoveryCase:
    fields = {
        "failure_type": FailureType.LATE_DELIVERY,
        "severity": Severity.MAJOR,
        "attribution": Attribution.THIRD_PARTY,
        "is_preventable": False,
        "is_foreseeable": False,
        "summary": "Courier lost the parcel for four days.",
    }
    return services.case_open(ticket=ticket, actor=actor, **(fields | overrides))


# --- opening -----------------------------------------------------------------


def test_opening_a_case_records_the_assessment_and_an_event(db, ticket, agent):
    # when
    case = open_case(ticket, agent)
    # then
    assert case.status == Status.OPENED
    assert case.owner == agent
    assert (case.severity, case.attribution) == (
        Severity.MAJOR,
        Attribution.THIRD_PARTY,
    )
    event = case.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", "opened", agent)


def test_prior_failures_count_the_customers_cases_of_the_last_12_months(
    db, inbox, agent
):
    # given the customer had a case 2 months ago and one 13 months ago
    customer = CustomerFactory()
    now = timezone.now()
    for days in (60, 400):
        RecoveryCaseFactory(
            ticket=TicketFactory(inbox=inbox, customer=customer),
            status=Status.CLOSED,
            opened_at=now - timedelta(days=days),
        )
    # when a new case opens on another of their tickets
    case = open_case(TicketFactory(inbox=inbox, customer=customer), agent)
    # then only the recent one counts
    assert case.prior_failure_count == 1


def test_a_ticket_has_one_open_case_at_most(db, ticket, agent):
    # given
    open_case(ticket, agent)
    # when / then
    with pytest.raises(DomainError, match="already has an open recovery case"):
        open_case(ticket, agent)
    assert RecoveryCase.objects.filter(ticket=ticket).count() == 1


def test_the_database_refuses_a_second_open_case_on_a_ticket(db, ticket):
    # given
    RecoveryCaseFactory(ticket=ticket, status=Status.RESOLVED)
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        RecoveryCaseFactory(ticket=ticket, status=Status.OPENED)


def test_a_new_case_can_be_opened_once_the_last_one_is_closed(db, ticket, agent):
    # given
    RecoveryCaseFactory(ticket=ticket, status=Status.CLOSED)
    # when
    case = open_case(ticket, agent)
    # then
    assert RecoveryCase.objects.filter(ticket=ticket).count() == 2
    assert case.prior_failure_count == 1


def test_the_database_refuses_an_unknown_status(db, ticket):
    with pytest.raises(IntegrityError), transaction.atomic():
        RecoveryCaseFactory(ticket=ticket, status="forgotten")


def test_only_members_of_the_inbox_open_cases(db, ticket):
    outsider = MembershipFactory(inbox=InboxFactory()).user
    with pytest.raises(DomainError):
        open_case(ticket, outsider)
    assert not RecoveryCase.objects.exists()


# --- acknowledged: the apology -----------------------------------------------


def test_an_emailed_apology_goes_out_through_the_ticket(
    db, case, agent, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    status_before = case.ticket.status
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.case_acknowledge(
            case=case, actor=agent, channel=Channel.EMAIL, text=APOLOGY
        )
    # then the case is acknowledged with the apology as a reply on the ticket
    case.refresh_from_db()
    assert case.status == Status.ACKNOWLEDGED
    assert case.apology_message.kind == Message.Kind.REPLY
    assert case.apology_message.body_text == APOLOGY
    assert case.apology_message.outbound.status == OutboundEmail.Status.SENT
    assert mailoutbox[0].to == [case.ticket.customer.email]
    assert "I am sorry" in mailoutbox[0].body
    # and the ticket keeps its status
    case.ticket.refresh_from_db()
    assert case.ticket.status == status_before


def test_an_apology_on_the_phone_is_recorded_without_email(db, case, agent, mailoutbox):
    # when
    services.case_acknowledge(
        case=case,
        actor=agent,
        channel=Channel.PHONE,
        text="Called Ada: I said I am sorry and that I will fix it today.",
    )
    # then
    case.refresh_from_db()
    assert case.status == Status.ACKNOWLEDGED
    assert case.apology_channel == Channel.PHONE
    assert case.apology_message is None
    assert mailoutbox == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "We apologise for any inconvenience caused.",
        "Our manager regrets the delay.",
    ],
)
def test_an_apology_must_be_written_in_the_first_person(db, case, agent, text):
    with pytest.raises(DomainError):
        services.case_acknowledge(
            case=case, actor=agent, channel=Channel.PHONE, text=text
        )
    case.refresh_from_db()
    assert case.status == Status.OPENED


def test_a_german_apology_in_the_first_person_is_accepted(db, case, agent):
    services.case_acknowledge(
        case=case,
        actor=agent,
        channel=Channel.PHONE,
        text="Es tut mir leid, ich kümmere mich persönlich darum.",
    )
    case.refresh_from_db()
    assert case.status == Status.ACKNOWLEDGED


def test_the_apology_draft_speaks_the_customers_language(db, agent, inbox):
    # given a German and an English customer with a case each
    german = RecoveryCaseFactory(
        ticket=TicketFactory(inbox=inbox, customer=CustomerFactory(language="de"))
    )
    english = RecoveryCaseFactory(
        ticket=TicketFactory(inbox=inbox, customer=CustomerFactory(language="en"))
    )
    # when
    de = texts.apology_draft(case=german, agent=agent)
    en = texts.apology_draft(case=english, agent=agent)
    # then both apologise in the first person and name the failure
    assert de.startswith("Guten Tag")
    assert "es tut mir leid" in de
    assert "nicht zum zugesagten Termin" in de
    assert en.startswith("Hello")
    assert "I am sorry that your order did not arrive" in en


def test_a_stale_page_cannot_move_a_case_someone_else_moved(db, case, agent):
    # given two people looked at the opened case; one of them acknowledged it
    stale = RecoveryCase.objects.get(pk=case.pk)
    services.case_acknowledge(
        case=case, actor=agent, channel=Channel.PHONE, text=APOLOGY
    )
    # when the other acts on what they saw
    with pytest.raises(ConcurrentUpdate, match="Someone else changed this case"):
        services.case_acknowledge(
            case=stale, actor=agent, channel=Channel.PHONE, text=APOLOGY
        )
    # then only one apology was recorded
    assert case.events.filter(to_status=Status.ACKNOWLEDGED).count() == 1


# --- understood --------------------------------------------------------------

UNDERSTANDING = {
    "customer_account": "I waited at home all Saturday.",
    "chain_of_events": "Order picked Friday, courier collected Monday.",
    "cause": "Friday pickup missed; no weekend courier.",
    "fair_outcome": "Refund the express shipping.",
}


@pytest.mark.parametrize("missing", sorted(UNDERSTANDING))
def test_understanding_needs_all_four_answers(db, agent, ticket, missing):
    case = RecoveryCaseFactory(ticket=ticket, status=Status.ACKNOWLEDGED)
    with pytest.raises(DomainError):
        services.case_understand(
            case=case, actor=agent, **(UNDERSTANDING | {missing: "  "})
        )
    case.refresh_from_db()
    assert case.status == Status.ACKNOWLEDGED


def test_understanding_is_recorded(db, agent, ticket):
    case = RecoveryCaseFactory(ticket=ticket, status=Status.ACKNOWLEDGED)
    services.case_understand(case=case, actor=agent, **UNDERSTANDING)
    case.refresh_from_db()
    assert case.status == Status.UNDERSTOOD
    assert case.fair_outcome == "Refund the express shipping."
    assert case.understood_at is not None


# --- resolved ----------------------------------------------------------------


@pytest.fixture
def understood(ticket, agent) -> RecoveryCase:
    return RecoveryCaseFactory(ticket=ticket, status=Status.UNDERSTOOD, owner=agent)


def test_resolving_needs_a_compensation_decision(db, understood, agent):
    with pytest.raises(DomainError, match="Decide the compensation"):
        services.case_resolve(case=understood, actor=agent, solution="Sent again.")
    understood.refresh_from_db()
    assert understood.status == Status.UNDERSTOOD


def test_resolving_with_none_needs_a_reason_and_records_it(db, understood, agent):
    services.case_resolve(
        case=understood,
        actor=agent,
        solution="Sent again by express.",
        no_compensation_reason="Customer declined anything further.",
    )
    understood.refresh_from_db()
    assert understood.status == Status.RESOLVED
    assert understood.no_compensation_reason == "Customer declined anything further."


def test_resolving_with_an_accepted_offer(db, understood, agent):
    OfferFactory(
        case=understood,
        status=Offer.Status.APPROVED,
        customer_answer=Offer.Answer.ACCEPTED,
    )
    services.case_resolve(case=understood, actor=agent, solution="Credit granted.")
    understood.refresh_from_db()
    assert understood.status == Status.RESOLVED


def test_resolving_waits_for_a_pending_approval(db, understood, agent):
    OfferFactory(case=understood, status=Offer.Status.PENDING)
    with pytest.raises(DomainError, match="waiting for a manager"):
        services.case_resolve(
            case=understood,
            actor=agent,
            solution="Credit granted.",
            no_compensation_reason="n/a",
        )


def test_resolving_needs_the_customers_answer_to_approved_offers(db, understood, agent):
    OfferFactory(case=understood, status=Offer.Status.APPROVED)
    with pytest.raises(DomainError, match="accepted each approved offer"):
        services.case_resolve(
            case=understood,
            actor=agent,
            solution="Credit granted.",
            no_compensation_reason="n/a",
        )


def test_a_broken_promise_resolves_only_after_the_customer_chose(
    db, broken_promise_case, agent
):
    with pytest.raises(DomainError, match="customer chose"):
        services.case_resolve(
            case=broken_promise_case,
            actor=agent,
            solution="Delivered later.",
            no_compensation_reason="Customer asked for nothing.",
        )


# --- followed up -------------------------------------------------------------


@pytest.mark.parametrize("score", [0, 6, -1])
def test_satisfaction_is_a_score_from_1_to_5(db, ticket, agent, score):
    case = RecoveryCaseFactory(ticket=ticket, status=Status.RESOLVED)
    with pytest.raises(DomainError):
        services.case_record_satisfaction(
            case=case, score=score, comment="", actor=agent, channel=Channel.PHONE
        )


def test_a_satisfaction_answer_by_phone_follows_the_case_up(db, ticket, agent):
    # given
    case = RecoveryCaseFactory(ticket=ticket, status=Status.RESOLVED)
    # when
    services.case_record_satisfaction(
        case=case,
        score=5,
        comment="Very happy with the refund.",
        actor=agent,
        channel=Channel.PHONE,
    )
    # then
    case.refresh_from_db()
    assert case.status == Status.FOLLOWED_UP
    assert (case.satisfaction_score, case.satisfaction_channel) == (5, "phone")
    assert case.events.get().note == "Satisfaction 5 of 5 (Phone)."


def test_the_customer_can_answer_the_satisfaction_check_themselves(db, ticket):
    case = RecoveryCaseFactory(ticket=ticket, status=Status.RESOLVED)
    services.case_record_satisfaction(
        case=case, score=3, comment="", actor=None, channel=Channel.LINK
    )
    case.refresh_from_db()
    assert case.status == Status.FOLLOWED_UP
    assert case.events.get().actor is None


# --- documented and closed ---------------------------------------------------


def _post_mortem(agent, component, **overrides) -> dict:
    return {
        "chain_of_events": "Picked late, courier missed.",
        "root_cause": PostMortem.RootCause.CAPACITY,
        "component": component,
        "is_preventable": True,
        "prevention_action": "Second picker on Fridays.",
        "prevention_owner": agent,
        "prevention_due_date": timezone.localdate() + timedelta(days=14),
    } | overrides


@pytest.mark.parametrize(
    "missing",
    ["chain_of_events", "component", "prevention_action", "prevention_owner"],
)
def test_documenting_needs_the_whole_post_mortem(db, ticket, agent, component, missing):
    case = RecoveryCaseFactory(ticket=ticket, status=Status.FOLLOWED_UP)
    data = _post_mortem(agent, component)
    data[missing] = "" if isinstance(data[missing], str) else None
    with pytest.raises(DomainError):
        services.case_document(case=case, actor=agent, **data)
    assert not PostMortem.objects.exists()


def test_the_prevention_owner_must_belong_to_the_inbox(db, ticket, agent, component):
    case = RecoveryCaseFactory(ticket=ticket, status=Status.FOLLOWED_UP)
    outsider = UserFactory()
    with pytest.raises(DomainError, match="member of the inbox"):
        services.case_document(
            case=case,
            actor=agent,
            **_post_mortem(agent, component, prevention_owner=outsider),
        )


def test_the_prevention_due_date_is_not_in_the_past(db, ticket, agent, component):
    case = RecoveryCaseFactory(ticket=ticket, status=Status.FOLLOWED_UP)
    yesterday = timezone.localdate() - timedelta(days=2)
    with pytest.raises(DomainError, match="past"):
        services.case_document(
            case=case,
            actor=agent,
            **_post_mortem(agent, component, prevention_due_date=yesterday),
        )


def test_documenting_writes_the_post_mortem_and_then_closing_is_allowed(
    db, ticket, agent, component
):
    # given
    case = RecoveryCaseFactory(ticket=ticket, status=Status.FOLLOWED_UP)
    # when
    post_mortem = services.case_document(
        case=case, actor=agent, **_post_mortem(agent, component)
    )
    case.refresh_from_db()
    services.case_close(case=case, actor=agent, note="Lesson shared at stand-up.")
    # then
    case.refresh_from_db()
    assert post_mortem.component == component
    assert post_mortem.prevention_owner == agent
    assert case.status == Status.CLOSED
    assert case.closed_at is not None


def test_closing_needs_the_post_mortem(db, ticket, agent):
    # given a documented case whose post-mortem is missing (written directly)
    case = RecoveryCaseFactory(ticket=ticket, status=Status.DOCUMENTED)
    # when / then
    with pytest.raises(DomainError, match="post-mortem"):
        services.case_close(case=case, actor=agent)
    PostMortemFactory(case=case)
    services.case_close(case=RecoveryCase.objects.get(pk=case.pk), actor=agent)


# --- escalation --------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "reason"), [("", "No stock."), ("Logistics specialists", "")]
)
def test_escalating_says_to_whom_and_why(db, case, agent, target, reason):
    with pytest.raises(DomainError):
        services.case_escalate(case=case, actor=agent, target=target, reason=reason)


def test_an_escalated_case_remembers_where_it_was(db, ticket, agent):
    # given
    case = RecoveryCaseFactory(ticket=ticket, status=Status.UNDERSTOOD)
    # when
    services.case_escalate(
        case=case,
        actor=agent,
        target="Maria (manager)",
        reason="Second failure this year.",
    )
    # then
    case.refresh_from_db()
    assert case.status == Status.ESCALATED
    assert case.escalated_from == Status.UNDERSTOOD
    assert case.events.get().note_text == (
        "To Maria (manager): Second failure this year."
    )


def test_the_steps_are_timed_from_the_first_time_each_is_reached(db, ticket, agent):
    # given
    case = RecoveryCaseFactory(ticket=ticket)
    services.case_acknowledge(
        case=case, actor=agent, channel=Channel.PHONE, text=APOLOGY
    )
    case.refresh_from_db()
    first = case.acknowledged_at
    # when it is escalated and returned
    services.case_escalate(case=case, actor=agent, target="Team lead", reason="VIP")
    case.refresh_from_db()
    services.case_return(case=case, actor=agent)
    # then the first time counts
    case.refresh_from_db()
    assert case.status == Status.ACKNOWLEDGED
    assert case.acknowledged_at == first
    statuses = list(
        case.events.filter(kind=CaseEvent.Kind.STATUS).values_list(
            "to_status", flat=True
        )
    )
    assert statuses == ["acknowledged", "escalated", "acknowledged"]


def test_amounts_on_offers_are_money_not_floats(db, understood, agent):
    offer = services.offer_create(
        case=understood, actor=agent, kind="credit", amount="12.345", currency="eur"
    )
    assert offer.amount == Decimal("12.35")
    assert offer.currency == "EUR"
