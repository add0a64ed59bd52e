"""Promises: working-hours windows, the at-risk and broken scan with frozen
time, renegotiation history, delay notices, and what keeps a promise."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail as django_mail
from django.utils import timezone
from freezegun import freeze_time

from followups import mail, services, worktime
from followups.models import Notification, Promise
from followups.tests.factories import PromiseFactory
from helpdesk.exceptions import DomainError
from tickets import services as ticket_services
from tickets.mail.acknowledge import ticket_acknowledge
from tickets.models import Membership, OutboundEmail
from tickets.tests.factories import CustomerFactory, MembershipFactory, TicketFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
State = Promise.State


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


# --- business hours ----------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "hours", "expected"),
    [
        # Monday noon minus 4 working hours: 3 on Monday, 1 on Friday.
        (berlin(2025, 3, 10, 12, 0), 4, berlin(2025, 3, 7, 16, 0)),
        # Within one working day.
        (berlin(2025, 3, 12, 15, 0), 4, berlin(2025, 3, 12, 11, 0)),
        # Due on a Saturday counts from Friday's close.
        (berlin(2025, 3, 15, 10, 0), 4, berlin(2025, 3, 14, 13, 0)),
        # Due at opening time: the hour before is Monday's last.
        (berlin(2025, 3, 11, 9, 0), 1, berlin(2025, 3, 10, 16, 0)),
        # Across the switch to summer time: wall-clock hours, not UTC hours.
        (berlin(2025, 3, 31, 10, 0), 4, berlin(2025, 3, 28, 14, 0)),
    ],
)
def test_working_time_is_counted_in_the_inbox_time_zone(due, hours, expected):
    # when
    start = worktime.subtract_working_time(due, timedelta(hours=hours), "Europe/Berlin")
    # then
    assert start == expected


def test_working_time_skips_holidays_and_follows_the_inbox_week():
    # given a shop open Tuesday to Saturday, 10 to 14, closed on 14 March
    shop = worktime.BusinessHours(
        starts=time(10, 0),
        ends=time(14, 0),
        workdays=frozenset({1, 2, 3, 4, 5}),
        holidays=frozenset({date(2025, 3, 14)}),
    )
    # when 6 working hours are counted back from Monday 17 March, 12:00
    start = worktime.subtract_working_time(
        berlin(2025, 3, 17, 12, 0), timedelta(hours=6), "Europe/Berlin", shop
    )
    # then Monday and the holiday Friday count nothing: 4 on Saturday, 2 on Thursday
    assert start == berlin(2025, 3, 13, 12, 0)


# --- at risk and broken ------------------------------------------------------


@pytest.fixture
def assigned_ticket(inbox, agent):
    return TicketFactory(inbox=inbox, assignee=agent)


def _first_response_due_monday_noon(ticket) -> Promise:
    with freeze_time(berlin(2025, 3, 3, 9, 0)):  # the Monday before
        return services.promise_create(
            ticket=ticket,
            kind=Promise.Kind.FIRST_RESPONSE,
            what="Personal answer",
            due_at=berlin(2025, 3, 10, 12, 0),
            actor=None,
        )


def test_promise_is_not_at_risk_a_second_before_its_window(assigned_ticket):
    # given: 4 working hours before Monday noon is Friday 16:00
    promise = _first_response_due_monday_noon(assigned_ticket)
    # when
    with freeze_time(berlin(2025, 3, 7, 15, 59, 59)):
        services.promise_scan()
    # then
    promise.refresh_from_db()
    assert promise.state == State.OPEN
    assert not Notification.objects.exists()


def test_promise_is_at_risk_when_its_window_opens_and_the_assignee_is_told_once(
    assigned_ticket, agent
):
    # given
    promise = _first_response_due_monday_noon(assigned_ticket)
    # when: the scan runs twice at the edge
    with freeze_time(berlin(2025, 3, 7, 16, 0)):
        services.promise_scan()
        services.promise_scan()
    # then
    promise.refresh_from_db()
    assert promise.state == State.AT_RISK
    [reminder] = Notification.objects.all()
    assert reminder.recipient == agent
    assert reminder.kind == Notification.Kind.PROMISE_AT_RISK
    assert reminder.promise == promise


def test_a_short_promise_is_at_risk_only_after_half_its_time(assigned_ticket):
    # given: due in two hours, with a one-day window for deliveries
    with freeze_time(berlin(2025, 3, 12, 10, 0)):
        promise = services.promise_create(
            ticket=assigned_ticket,
            kind=Promise.Kind.DELIVERY,
            what="Replacement part sent",
            due_at=berlin(2025, 3, 12, 12, 0),
            actor=None,
        )
    # when / then
    with freeze_time(berlin(2025, 3, 12, 10, 59)):
        services.promise_scan()
        promise.refresh_from_db()
        assert promise.state == State.OPEN
    with freeze_time(berlin(2025, 3, 12, 11, 0)):
        services.promise_scan()
        promise.refresh_from_db()
        assert promise.state == State.AT_RISK


def test_promise_past_due_is_broken_and_the_managers_hear_of_an_unassigned_one(
    inbox, agent, manager
):
    # given
    ticket = TicketFactory(inbox=inbox)
    promise = _first_response_due_monday_noon(ticket)
    # when
    with freeze_time(berlin(2025, 3, 10, 12, 0, 1)):
        services.promise_scan()
    # then
    promise.refresh_from_db()
    assert promise.state == State.BROKEN
    assert promise.broken_at is not None
    [reminder] = Notification.objects.all()
    assert reminder.recipient == manager
    assert reminder.kind == Notification.Kind.PROMISE_BROKEN


def test_inbox_window_setting_moves_the_warning_of_running_promises(
    assigned_ticket, inbox
):
    # given
    promise = _first_response_due_monday_noon(assigned_ticket)
    # when: responses warn one working hour ahead
    with freeze_time(berlin(2025, 3, 6, 9, 0)):
        services.inbox_settings_update(
            inbox=inbox,
            actor=None,
            warning_windows={"first_response": {"hours": 1, "working": True}},
        )
    # then
    promise.refresh_from_db()
    assert promise.warn_at == berlin(2025, 3, 10, 11, 0)


def test_a_holiday_moves_the_warning_of_running_promises(assigned_ticket, inbox):
    # given a response due Monday noon, warned 4 working hours ahead (Friday 16:00)
    promise = _first_response_due_monday_noon(assigned_ticket)
    # when the inbox makes that Monday a holiday
    with freeze_time(berlin(2025, 3, 6, 9, 0)):
        config = services.inbox_settings_update(
            inbox=inbox, actor=None, holidays=[date(2025, 3, 10)]
        )
    # then all four hours come from Friday
    promise.refresh_from_db()
    assert config.holidays == [date(2025, 3, 10)]
    assert promise.warn_at == berlin(2025, 3, 7, 13, 0)


@pytest.mark.parametrize(
    "hours",
    [
        {"workdays": []},
        {"workdays": [7]},
        {"work_starts": time(17, 0), "work_ends": time(9, 0)},
    ],
)
def test_business_hours_without_working_time_are_refused(inbox, hours):
    with pytest.raises(DomainError):
        services.inbox_settings_update(inbox=inbox, actor=None, **hours)


def test_unknown_kind_in_warning_windows_is_refused(inbox):
    with pytest.raises(DomainError):
        services.inbox_settings_update(
            inbox=inbox, actor=None, warning_windows={"moon": {"hours": 1}}
        )


# --- renegotiation -----------------------------------------------------------


def test_renegotiation_keeps_every_due_time_in_the_history(assigned_ticket, agent):
    # given
    first = timezone.now() + timedelta(days=1)
    promise = services.promise_create(
        ticket=assigned_ticket,
        kind=Promise.Kind.REFUND,
        what="Refund of order 4711",
        due_at=first,
        actor=agent,
    )
    second, third = first + timedelta(days=2), first + timedelta(days=5)
    # when
    services.promise_renegotiate(promise=promise, actor=agent, new_due_at=second)
    services.promise_renegotiate(promise=promise, actor=agent, new_due_at=third)
    # then
    promise.refresh_from_db()
    assert promise.state == State.RENEGOTIATED
    assert promise.due_at == third
    assert promise.original_due_at == first
    assert promise.renegotiation_count == 2
    dues = [
        (e.previous_due_at, e.due_at) for e in promise.events.all() if e.changed_due
    ]
    assert dues == [(first, second), (second, third)]


def test_renegotiating_to_an_earlier_date_is_refused(assigned_ticket, agent):
    # given
    promise = PromiseFactory(ticket=assigned_ticket)
    # when / then
    with pytest.raises(DomainError, match="later than the current one"):
        services.promise_renegotiate(
            promise=promise, actor=agent, new_due_at=promise.due_at - timedelta(hours=1)
        )


def test_renegotiated_promise_can_be_at_risk_again_with_a_new_reminder(
    assigned_ticket, agent
):
    # given: at risk once, then renegotiated
    promise = PromiseFactory(
        ticket=assigned_ticket,
        due_at=timezone.now() + timedelta(hours=1),
        warn_at=timezone.now() - timedelta(minutes=1),
    )
    services.promise_scan()
    services.promise_renegotiate(
        promise=promise, actor=agent, new_due_at=timezone.now() + timedelta(days=2)
    )
    # when: the new window opens
    with freeze_time(timezone.now() + timedelta(days=2) - timedelta(minutes=30)):
        services.promise_scan()
    # then
    promise.refresh_from_db()
    assert promise.state == State.AT_RISK
    assert Notification.objects.filter(promise=promise).count() == 2


# --- delay notice ------------------------------------------------------------


@pytest.fixture
def german_ticket(inbox, agent):
    customer = CustomerFactory(name="Erika Muster", language="de")
    return TicketFactory(
        inbox=inbox, customer=customer, assignee=agent, subject="Lieferung fehlt"
    )


def test_delay_notice_is_queued_in_german_and_renegotiates_the_promise(
    german_ticket, agent, django_capture_on_commit_callbacks
):
    # given
    promise = PromiseFactory(
        ticket=german_ticket,
        kind=Promise.Kind.DELIVERY,
        what="Ersatzteil verschickt",
        state=State.AT_RISK,
    )
    new_due = promise.due_at + timedelta(days=3)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message = services.promise_send_delay_notice(
            promise=promise,
            actor=agent,
            new_due_at=new_due,
            explanation="Unser Lieferant hat das Teil erst gestern bekommen.",
        )
    # then: queued through the outbox, in German, with every part
    assert OutboundEmail.objects.filter(message=message).exists()
    assert message.to_addresses == [german_ticket.customer.email]
    body = message.body_text
    assert body.startswith("Guten Tag Erika Muster,")
    assert "Ersatzteil verschickt" in body
    assert "Es tut mir leid" in body
    assert "Unser Lieferant hat das Teil erst gestern bekommen." in body
    assert "Mein neuer Termin für Sie: spätestens" in body
    promise.refresh_from_db()
    assert promise.state == State.RENEGOTIATED
    assert promise.due_at >= new_due
    assert promise.events.last().message == message
    assert len(django_mail.outbox) == 1  # sent after commit (eager tasks)


def test_delay_notice_needs_a_new_date_and_an_explanation(german_ticket, agent):
    # given
    promise = PromiseFactory(ticket=german_ticket, state=State.AT_RISK)
    # when / then
    with pytest.raises(DomainError, match="new realistic date"):
        services.promise_send_delay_notice(
            promise=promise, actor=agent, new_due_at=None, explanation="Stau."
        )
    with pytest.raises(DomainError, match="Explain"):
        services.promise_send_delay_notice(
            promise=promise,
            actor=agent,
            new_due_at=promise.due_at + timedelta(days=1),
            explanation="  ",
        )
    assert not OutboundEmail.objects.exists()


def test_delay_notice_for_a_broken_promise_is_refused(german_ticket, agent):
    # given
    promise = PromiseFactory(ticket=german_ticket, state=State.BROKEN)
    # when / then
    with pytest.raises(DomainError, match="running promise"):
        services.promise_send_delay_notice(
            promise=promise,
            actor=agent,
            new_due_at=timezone.now() + timedelta(days=1),
            explanation="Sorry.",
        )


def test_delay_notice_for_a_first_response_does_not_count_as_keeping_it(
    assigned_ticket, agent
):
    # given
    promise = services.promise_create(
        ticket=assigned_ticket,
        kind=Promise.Kind.FIRST_RESPONSE,
        what="Personal answer",
        due_at=timezone.now() + timedelta(hours=3),
        actor=None,
    )
    # when
    services.promise_send_delay_notice(
        promise=promise,
        actor=agent,
        new_due_at=timezone.now() + timedelta(days=1),
        explanation="Our specialist is back tomorrow morning.",
    )
    # then
    promise.refresh_from_db()
    assert promise.state == State.RENEGOTIATED


# --- kept --------------------------------------------------------------------


def test_answering_the_customer_keeps_the_first_response_promise_only(
    assigned_ticket, agent
):
    # given
    first = services.promise_create(
        ticket=assigned_ticket,
        kind=Promise.Kind.FIRST_RESPONSE,
        what="Personal answer",
        due_at=timezone.now() + timedelta(hours=3),
        actor=None,
    )
    refund = PromiseFactory(ticket=assigned_ticket, kind=Promise.Kind.REFUND)
    # when
    ticket_services.ticket_reply(
        ticket=assigned_ticket, actor=agent, body_text="I am on it."
    )
    # then
    first.refresh_from_db()
    refund.refresh_from_db()
    assert first.state == State.KEPT
    assert first.events.last().actor == agent
    assert refund.state == State.OPEN


def test_agent_marks_a_promise_kept(assigned_ticket, agent):
    # given
    promise = PromiseFactory(ticket=assigned_ticket, state=State.AT_RISK)
    # when
    services.promise_keep(promise=promise, actor=agent, note="Refund booked.")
    # then
    promise.refresh_from_db()
    assert promise.state == State.KEPT
    assert promise.kept_at is not None


def test_acknowledgement_records_the_first_response_promise_it_announces(inbox):
    # given
    MembershipFactory(inbox=inbox, role=Membership.Role.MANAGER)
    with freeze_time(datetime(2025, 3, 12, 9, 7, 30, tzinfo=UTC)):
        ticket = ticket_services.ticket_create(
            inbox=inbox,
            customer=CustomerFactory(),
            subject="Parcel missing",
            body_text="Where is my parcel?",
        )
        # when
        ticket_acknowledge(ticket=ticket, first_message=ticket.messages.get())
    # then: due when the customer was told, rounded up to the quarter hour
    promise = ticket.promises.get()
    assert promise.kind == Promise.Kind.FIRST_RESPONSE
    expected = datetime(2025, 3, 12, 9, 15, tzinfo=UTC) + inbox.expected_first_response
    assert promise.due_at == expected
    assert promise.source_message.is_auto


def test_second_first_response_promise_on_a_ticket_is_refused(assigned_ticket):
    # given
    due = timezone.now() + timedelta(hours=4)
    services.promise_create(
        ticket=assigned_ticket,
        kind=Promise.Kind.FIRST_RESPONSE,
        what="Answer",
        due_at=due,
        actor=None,
    )
    # when / then
    with pytest.raises(DomainError, match="already has an open first-response"):
        services.promise_create(
            ticket=assigned_ticket,
            kind=Promise.Kind.FIRST_RESPONSE,
            what="Answer",
            due_at=due,
            actor=None,
        )


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-24 00:45:00", "2026-11-24 00:45:00"),
        ("2026-11-24 00:45:14", "2026-11-24 01:00:00"),
        ("2026-11-24 00:44:59", "2026-11-24 00:45:00"),
        ("2026-11-24 23:50:00", "2026-11-25 00:00:00"),
    ],
)
def test_times_told_to_customers_round_up_to_the_quarter_hour(moment, expected):
    def at(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    assert mail.quarter_ceil(at(moment)) == at(expected)
