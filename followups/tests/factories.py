"""factory_boy factories for promises, follow-ups and notifications."""

from datetime import timedelta

import factory
from django.utils import timezone

from followups.models import FollowUp, Notification, Promise
from tickets.tests.factories import TicketFactory, UserFactory


class PromiseFactory(factory.django.DjangoModelFactory):
    """A promise row made directly; use services for flows."""

    class Meta:
        model = Promise

    ticket = factory.SubFactory(TicketFactory)
    kind = Promise.Kind.REFUND
    what = "Refund of order 4711"
    to_whom = factory.SelfAttribute("ticket.customer.email")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    original_due_at = factory.SelfAttribute("due_at")
    warn_at = factory.LazyAttribute(lambda p: p.due_at - timedelta(hours=4))


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    ticket = factory.SubFactory(TicketFactory)
    kind = FollowUp.Kind.CHECK_BACK
    channel = FollowUp.Channel.EMAIL
    due_at = factory.LazyFunction(lambda: timezone.now() - timedelta(seconds=5))


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = Notification.Kind.FOLLOWUP_DUE
    key = factory.Sequence(lambda n: f"test:{n}")
    ticket = factory.SubFactory(TicketFactory)
