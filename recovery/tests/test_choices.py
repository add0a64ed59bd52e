"""A promise we cannot keep: checks, options, the signed link and the choice."""

from datetime import timedelta

import pytest
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from freezegun import freeze_time

from helpdesk.exceptions import DomainError
from recovery import links, selectors, services, texts
from recovery.models import (
    Channel,
    ChoiceRequest,
    FailureType,
    Offer,
    RecoveryCase,
)
from recovery.tests.factories import ChoiceRequestFactory, RecoveryCaseFactory
from tickets.models import Ticket

Status = RecoveryCase.Status
Option = ChoiceRequest.Option


def prepare(case, actor, **overrides) -> ChoiceRequest:
    fields = {
        "new_date": timezone.localdate() + timedelta(days=10),
        "alternative": "The 2025 model, one size up, same price",
        "refund_amount": "89.90",
        "currency": "EUR",
    }
    return services.case_prepare_options(case=case, actor=actor, **(fields | overrides))


@pytest.fixture
def sent(broken_promise_case, agent) -> ChoiceRequest:
    prepare(broken_promise_case, agent)
    return services.case_send_options(
        case=RecoveryCase.objects.get(pk=broken_promise_case.pk), actor=agent
    )


# --- checks and options ------------------------------------------------------


def test_checks_belong_to_broken_promises(db, case, agent):
    with pytest.raises(DomainError, match="broken promises"):
        services.case_record_check(
            case=case, actor=agent, kind="supplier", outcome="n/a", can_keep=False
        )


def test_a_check_is_recorded_with_its_outcome(db, broken_promise_case, agent):
    check = services.case_record_check(
        case=broken_promise_case,
        actor=agent,
        kind="special_delivery",
        outcome="No courier can deliver before Friday.",
        can_keep=False,
    )
    assert check.checked_by == agent
    event = broken_promise_case.events.get(kind="check")
    assert "No courier can deliver before Friday." in event.note


def test_options_need_a_check_first(db, ticket, agent):
    case = RecoveryCaseFactory(
        ticket=ticket,
        failure_type=FailureType.BROKEN_PROMISE,
        status=Status.UNDERSTOOD,
    )
    with pytest.raises(DomainError, match="checked"):
        prepare(case, agent)


def test_the_new_date_must_be_in_the_future(db, broken_promise_case, agent):
    with pytest.raises(DomainError, match="future"):
        prepare(broken_promise_case, agent, new_date=timezone.localdate())


def test_preparing_again_replaces_the_draft(db, broken_promise_case, agent):
    first = prepare(broken_promise_case, agent)
    second = prepare(broken_promise_case, agent, alternative="Another model")
    first.refresh_from_db()
    assert first.status == ChoiceRequest.Status.WITHDRAWN
    assert second.status == ChoiceRequest.Status.DRAFT


def test_an_incentive_above_authority_holds_the_options_until_approved(
    db, broken_promise_case, agent, manager
):
    # given an incentive above the agent's EUR 50 per offer
    request = prepare(
        broken_promise_case,
        agent,
        incentive_kind="credit",
        incentive_amount="75.00",
        incentive_description="EUR 75 credit",
    )
    assert request.incentive_offer.status == Offer.Status.PENDING
    # when the agent tries to send / then it is refused
    with pytest.raises(DomainError, match="approval"):
        services.case_send_options(case=broken_promise_case, actor=agent)
    # and once a manager approved it, the options go out
    services.offer_approve(offer=request.incentive_offer, actor=manager)
    sent = services.case_send_options(
        case=RecoveryCase.objects.get(pk=broken_promise_case.pk), actor=agent
    )
    assert sent.status == ChoiceRequest.Status.SENT


def test_sending_the_options_emails_one_link_and_waits(
    db, broken_promise_case, agent, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    prepare(broken_promise_case, agent)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        request = services.case_send_options(case=broken_promise_case, actor=agent)
    # then
    broken_promise_case.refresh_from_db()
    assert broken_promise_case.status == Status.AWAITING_CUSTOMER
    assert request.expires_at - request.sent_at == links.CHOICE_LINK_MAX_AGE
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert body.count("/recovery/choice/") == 1
    assert "1. Wait for the original" in body
    assert "€89.90" in body
    assert "Supplier" in body or "supplier" in body
    broken_promise_case.ticket.refresh_from_db()
    assert broken_promise_case.ticket.status == Ticket.Status.WAITING_CUSTOMER


@pytest.mark.parametrize(
    ("language", "checked"), [("en", "(supplier)"), ("de", "(Lieferant)")]
)
def test_the_options_email_names_the_checks_as_the_language_writes_them(
    db, broken_promise_case, agent, language, checked
):
    customer = broken_promise_case.ticket.customer
    customer.language = language
    customer.save(update_fields=["language"])
    request = prepare(broken_promise_case, agent)
    body = texts.options_email(request=request, url="https://x.example/c", agent=agent)
    assert checked in body


# --- the signed link ---------------------------------------------------------


def test_a_token_opens_its_request(db, sent):
    token = links.choice_token(request_id=sent.pk, nonce=sent.nonce)
    request, nonce = selectors.choice_request_from_token(token)
    assert (request, nonce) == (sent, sent.nonce)


def test_a_tampered_token_is_refused(db, sent):
    token = links.choice_token(request_id=sent.pk, nonce=sent.nonce)
    value, _sep, signature = token.rpartition(":")
    forged = value.replace(f"{sent.pk}.", f"{sent.pk + 1}.") + ":" + signature
    with pytest.raises(links.ChoiceLinkInvalid) as refused:
        selectors.choice_request_from_token(forged)
    assert refused.value.reason == "tampered"


def test_a_token_signed_elsewhere_is_refused(db, sent):
    token = signing.TimestampSigner(salt="other").sign(f"{sent.pk}.{sent.nonce}")
    with pytest.raises(links.ChoiceLinkInvalid):
        selectors.choice_request_from_token(token)


def test_an_old_token_has_expired(db, sent):
    token = links.choice_token(request_id=sent.pk, nonce=sent.nonce)
    later = timezone.now() + links.CHOICE_LINK_MAX_AGE + timedelta(minutes=1)
    with freeze_time(later), pytest.raises(links.ChoiceLinkInvalid) as refused:
        selectors.choice_request_from_token(token)
    assert refused.value.reason == "expired"


def test_a_used_token_no_longer_works(db, sent):
    # given the customer chose through the link
    token = links.choice_token(request_id=sent.pk, nonce=sent.nonce)
    services.choice_record(request=sent, option=Option.WAIT, nonce=sent.nonce)
    # when the same link is used again / then
    with pytest.raises(links.ChoiceLinkInvalid) as refused:
        selectors.choice_request_from_token(token)
    assert refused.value.reason == "used"
    with pytest.raises(links.ChoiceLinkInvalid):
        services.choice_record(request=sent, option=Option.CANCEL, nonce=sent.nonce)
    sent.refresh_from_db()
    assert sent.chosen_option == Option.WAIT


# --- the choice and what follows ---------------------------------------------


def test_the_choice_hands_the_case_back_and_tells_the_owner(
    db, sent, agent, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.choice_record(
            request=sent, option=Option.CANCEL, note="Please refund.", nonce=sent.nonce
        )
    sent.refresh_from_db()
    assert sent.status == ChoiceRequest.Status.CHOSEN
    assert sent.case.status == Status.UNDERSTOOD
    assert sent.case.events.filter(kind="choice", actor=None).exists()
    assert [m.to for m in mailoutbox] == [[agent.email]]
    assert "Cancel with a full refund" in mailoutbox[0].subject


def test_an_agent_records_a_choice_given_on_the_phone(db, sent, agent):
    services.choice_record(
        request=sent, option=Option.WAIT, actor=agent, channel=Channel.PHONE
    )
    sent.refresh_from_db()
    assert (sent.chosen_channel, sent.recorded_by) == (Channel.PHONE, agent)


def test_a_substitute_is_never_delivered_without_the_customers_choice(
    db, broken_promise_case, agent
):
    with pytest.raises(DomainError, match="chose the alternative"):
        services.case_mark_substitute_delivered(case=broken_promise_case, actor=agent)


def test_a_substitute_is_not_delivered_when_the_customer_chose_to_wait(db, sent, agent):
    services.choice_record(request=sent, option=Option.WAIT, nonce=sent.nonce)
    with pytest.raises(DomainError, match="chose the alternative"):
        services.case_mark_substitute_delivered(case=sent.case, actor=agent)


def test_a_substitute_is_delivered_after_the_customer_chose_it(db, sent, agent):
    services.choice_record(request=sent, option=Option.ALTERNATIVE, nonce=sent.nonce)
    case = services.case_mark_substitute_delivered(
        case=RecoveryCase.objects.get(pk=sent.case_id), actor=agent
    )
    assert case.substitute_delivered_at is not None


def test_withdrawing_the_options_voids_the_link(db, sent, agent):
    token = links.choice_token(request_id=sent.pk, nonce=sent.nonce)
    services.case_withdraw_options(
        case=RecoveryCase.objects.get(pk=sent.case_id), actor=agent, note="Called."
    )
    with pytest.raises(links.ChoiceLinkInvalid):
        selectors.choice_request_from_token(token)


def test_after_the_choice_the_broken_promise_can_be_resolved(db, sent, agent):
    services.choice_record(request=sent, option=Option.WAIT, nonce=sent.nonce)
    services.case_resolve(
        case=RecoveryCase.objects.get(pk=sent.case_id),
        actor=agent,
        solution="Original delivered on the new date with a small gift.",
        no_compensation_reason="Customer chose to wait; gift sent anyway.",
    )
    sent.case.refresh_from_db()
    assert sent.case.status == Status.RESOLVED


def test_a_second_pending_request_cannot_exist(db, broken_promise_case):
    ChoiceRequestFactory(case=broken_promise_case)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChoiceRequestFactory(case=broken_promise_case, status="sent")


def test_the_incentive_of_sent_options_is_answered_by_the_choice_only(
    db, broken_promise_case, agent
):
    # given options with an incentive went out
    prepare(
        broken_promise_case,
        agent,
        incentive_kind="gift",
        incentive_amount="0",
        incentive_description="Free framing",
    )
    request = services.case_send_options(case=broken_promise_case, actor=agent)
    incentive = request.incentive_offer
    # when the agent tries to answer or withdraw it by hand / then
    with pytest.raises(DomainError, match="their choice answers it"):
        services.offer_answer(offer=incentive, actor=agent, answer="declined")
    with pytest.raises(DomainError, match="their choice answers it"):
        services.offer_withdraw(offer=incentive, actor=agent)
    # and the customer's choice answers it
    services.choice_record(request=request, option=Option.CANCEL, nonce=request.nonce)
    incentive.refresh_from_db()
    assert incentive.customer_answer == Offer.Answer.DECLINED
