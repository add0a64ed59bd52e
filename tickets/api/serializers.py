"""Output shapes shared by the API views; input serializers live in the views."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.models import Inbox, Membership, Message, Ticket


# The note of an audit record: rendered for the reader, and its parts. No
# docstring: OpenAPI would show it on every serializer that uses it.
class NoteFieldsMixin(serializers.Serializer):
    note = serializers.CharField(
        source="note_text",
        help_text="In the requester's language: the system sentence, then any "
        "text a person wrote.",
    )
    note_code = serializers.CharField(
        help_text="The system sentence's code; empty for a person's text only."
    )
    note_params = serializers.DictField(help_text="The system sentence's values.")


class ErrorOutputSerializer(serializers.Serializer):
    """What every refused request returns (validation errors add field keys)."""

    detail = serializers.CharField()


class MoneyOutputSerializer(serializers.Serializer):
    # DRF renders Decimal as a string, so no precision is lost in JSON.
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField(max_length=3)


@extend_schema_field(MoneyOutputSerializer)
class MoneyField(serializers.Field):
    """An amount attribute and the object's currency, as {amount, currency}."""

    def __init__(self, *, amount_attr: str, currency_attr: str = "currency", **kw):
        self.amount_attr, self.currency_attr = amount_attr, currency_attr
        super().__init__(source="*", read_only=True, **kw)

    def to_representation(self, value: Any) -> dict[str, Any]:
        return MoneyOutputSerializer(
            {
                "amount": getattr(value, self.amount_attr),
                "currency": getattr(value, self.currency_attr),
            }
        ).data


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()
    email = serializers.EmailField()

    def get_name(self, user: AbstractBaseUser) -> str:
        return user.get_full_name() or user.get_username()


class InboxSummaryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()


class InboxOutputSerializer(InboxSummaryOutputSerializer):
    email_address = serializers.EmailField()
    expected_first_response_seconds = serializers.SerializerMethodField()

    def get_expected_first_response_seconds(self, inbox: Inbox) -> int:
        return int(inbox.expected_first_response.total_seconds())


class MembershipOutputSerializer(serializers.Serializer):
    """A member's role and compensation authority in one inbox."""

    role = serializers.ChoiceField(choices=Membership.Role.choices)
    per_offer_limit = MoneyField(amount_attr="per_offer_limit_amount")
    per_month_limit = MoneyField(amount_attr="per_month_limit_amount")
    is_away = serializers.BooleanField()
    open_ticket_cap = serializers.IntegerField(allow_null=True)


class MyInboxOutputSerializer(serializers.Serializer):
    """An inbox of the requesting user, with their own membership in it."""

    id = serializers.IntegerField(source="inbox.id")
    slug = serializers.SlugField(source="inbox.slug")
    name = serializers.CharField(source="inbox.name")
    email_address = serializers.EmailField(source="inbox.email_address")
    expected_first_response_seconds = serializers.SerializerMethodField()
    membership = MembershipOutputSerializer(source="*")

    def get_expected_first_response_seconds(self, membership: Membership) -> int:
        return int(membership.inbox.expected_first_response.total_seconds())


class MemberOutputSerializer(MembershipOutputSerializer):
    user = UserOutputSerializer()


class MeMembershipOutputSerializer(MembershipOutputSerializer):
    inbox = InboxSummaryOutputSerializer()


class MeOutputSerializer(serializers.Serializer):
    user = UserOutputSerializer()
    memberships = MeMembershipOutputSerializer(many=True)


class CustomerSummaryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


class CustomerOutputSerializer(CustomerSummaryOutputSerializer):
    phone = serializers.CharField()
    preferred_channel = serializers.CharField()
    language = serializers.CharField()
    time_zone = serializers.CharField()
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()


class ComponentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TicketOutputSerializer(serializers.Serializer):
    """A ticket as listed; reads only what the list selector joins."""

    reference = serializers.CharField()
    subject = serializers.CharField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices)
    category = serializers.ChoiceField(
        choices=Ticket.Category.choices, allow_blank=True
    )
    tags = serializers.ListField(child=serializers.CharField())
    inbox = InboxSummaryOutputSerializer()
    customer = CustomerSummaryOutputSerializer()
    assignee = UserOutputSerializer(allow_null=True)
    component_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    last_message_at = serializers.DateTimeField()
    first_response_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


class TicketDetailOutputSerializer(TicketOutputSerializer):
    component = ComponentOutputSerializer(allow_null=True)
    linked_to = serializers.CharField(source="linked_to.reference", allow_null=True)
    allowed_transitions = serializers.SerializerMethodField()

    def get_allowed_transitions(self, ticket: Ticket) -> list[str]:
        return sorted(ticket.TRANSITIONS[ticket.status])


class AttachmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class DeliveryOutputSerializer(serializers.Serializer):
    """State of an outgoing email in the outbox."""

    status = serializers.CharField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    next_attempt_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)


class MessageOutputSerializer(serializers.Serializer):
    """One entry of the thread: customer message, reply or internal note."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Message.Kind.choices)
    author_user = UserOutputSerializer(allow_null=True)
    author_customer = CustomerSummaryOutputSerializer(allow_null=True)
    from_address = serializers.CharField()
    to_addresses = serializers.ListField(child=serializers.CharField())
    cc_addresses = serializers.ListField(child=serializers.CharField())
    subject = serializers.CharField()
    body_text = serializers.CharField()
    body_html = serializers.CharField(help_text="Sanitised HTML.")
    message_id = serializers.CharField()
    in_reply_to = serializers.CharField()
    references = serializers.CharField()
    created_at = serializers.DateTimeField()
    attachments = AttachmentOutputSerializer(many=True)
    # Only replies have an outbox row; the selector joins it.
    delivery = DeliveryOutputSerializer(source="outbound", allow_null=True)


class TicketEventOutputSerializer(NoteFieldsMixin):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    actor = UserOutputSerializer(allow_null=True, help_text="Null for the system.")
    from_value = serializers.CharField()
    to_value = serializers.CharField()
    created_at = serializers.DateTimeField()


class AuthTokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
