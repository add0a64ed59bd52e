"""factory_boy factories for recovery; set only what a test needs. They write
rows directly: use the services to test behaviour."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from recovery.models import (
    Attribution,
    ChoiceRequest,
    FailureType,
    Offer,
    PostMortem,
    PromiseCheck,
    RecoveryCase,
    Severity,
)
from tickets.tests.factories import ComponentFactory, TicketFactory, UserFactory


class RecoveryCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecoveryCase

    ticket = factory.SubFactory(TicketFactory)
    failure_type = FailureType.LATE_DELIVERY
    severity = Severity.MINOR
    attribution = Attribution.OURS
    is_preventable = False
    is_foreseeable = False
    summary = "The parcel left the warehouse three days late."


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    case = factory.SubFactory(RecoveryCaseFactory)
    inbox = factory.SelfAttribute("case.ticket.inbox")
    kind = Offer.Kind.CREDIT
    amount = Decimal("20.00")
    requested_amount = factory.SelfAttribute("amount")
    currency = "EUR"
    description = "Store credit for the trouble"
    created_by = factory.SubFactory(UserFactory)


class PromiseCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PromiseCheck

    case = factory.SubFactory(
        RecoveryCaseFactory, failure_type=FailureType.BROKEN_PROMISE
    )
    kind = PromiseCheck.Kind.SUPPLIER
    outcome = "Supplier cannot deliver before the 30th."
    can_keep = False


class ChoiceRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChoiceRequest

    case = factory.SubFactory(
        RecoveryCaseFactory, failure_type=FailureType.BROKEN_PROMISE
    )
    new_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=10))
    alternative = "The newer model in the same colour"
    refund_amount = Decimal("129.00")
    currency = "EUR"
    nonce = factory.Sequence(lambda n: f"nonce{n:027d}")


class PostMortemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostMortem

    case = factory.SubFactory(RecoveryCaseFactory)
    chain_of_events = "Order picked late; courier missed the cut-off."
    root_cause = PostMortem.RootCause.PROCESS
    component = factory.SubFactory(ComponentFactory)
    is_preventable = True
    prevention_action = "Move the courier cut-off check to the morning shift."
    prevention_owner = factory.SubFactory(UserFactory)
    prevention_due_date = factory.LazyFunction(
        lambda: timezone.localdate() + timedelta(days=14)
    )
