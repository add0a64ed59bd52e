"""factory_boy factories for the tickets app; set only what a test needs."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from tickets.models import (
    Component,
    Customer,
    Inbox,
    MailSource,
    Membership,
    Message,
    Ticket,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@staff.example")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class InboxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inbox

    name = factory.Sequence(lambda n: f"Inbox {n}")
    slug = factory.Sequence(lambda n: f"inbox-{n}")
    email_address = factory.Sequence(lambda n: f"inbox{n}@support.example")
    reference_prefix = factory.Sequence(lambda n: f"I{n}")
    expected_first_response = timedelta(hours=4)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    inbox = factory.SubFactory(InboxFactory)
    role = Membership.Role.AGENT
    per_offer_limit_amount = Decimal("50.00")
    per_month_limit_amount = Decimal("300.00")
    currency = "EUR"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    email = factory.Sequence(lambda n: f"customer{n}@mail.example")
    name = factory.Faker("name")


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Component {n}")


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket created directly (no first message); use services for flows."""

    class Meta:
        model = Ticket

    inbox = factory.SubFactory(InboxFactory)
    customer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: 5000 + n)
    reference = factory.LazyAttribute(
        lambda t: f"{t.inbox.reference_prefix}-{t.number}"
    )
    subject = factory.Faker("sentence", nb_words=6)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory)
    kind = Message.Kind.INBOUND
    author_customer = factory.SelfAttribute("ticket.customer")
    from_address = factory.SelfAttribute("ticket.customer.email")
    body_text = factory.Faker("paragraph")
    message_id = factory.Sequence(lambda n: f"<m{n}@mail.example>")


class MailSourceFactory(factory.django.DjangoModelFactory):
    """An IMAP source; `secret` is the plain password, stored encrypted."""

    class Meta:
        model = MailSource
        skip_postgeneration_save = True

    inbox = factory.SubFactory(InboxFactory)
    host = "127.0.0.1"
    port = 143
    tls_mode = MailSource.TlsMode.NONE
    username = factory.Sequence(lambda n: f"mailbox{n}")

    @factory.post_generation
    def secret(obj, create, extracted, **kwargs):
        obj.set_secret(extracted if extracted is not None else "imap-pass-123")
        if create:
            obj.save(update_fields=["secret_encrypted"])
