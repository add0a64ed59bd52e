"""Output shapes of the recovery API; input serializers live in the views.

Choice fields are documented as named enum components (see api/schema.py),
so their names never collide with the ticket API's enums."""

from typing import Any

from django.db.models import TextChoices
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recovery import selectors
from recovery.api.schema import NamedChoiceField
from recovery.models import (
    Attribution,
    CaseEvent,
    Channel,
    ChoiceRequest,
    FailureType,
    Offer,
    PostMortem,
    PromiseCheck,
    RecoveryCase,
    Severity,
)
from recovery.outlook import Verdict
from tickets.api.serializers import (
    ComponentOutputSerializer,
    InboxSummaryOutputSerializer,
    MoneyField,
    NoteFieldsMixin,
    UserOutputSerializer,
)


def enum(
    choices: type[TextChoices] | list[tuple[str, str]], name: str, **kwargs: Any
) -> NamedChoiceField:
    """A ChoiceField documented as the enum component `name`."""
    pairs = choices.choices if isinstance(choices, type) else choices
    return NamedChoiceField(choices=pairs, enum_name=name, **kwargs)


AGENT_CHANNELS = [(Channel.EMAIL, "email"), (Channel.PHONE, "phone")]


class OutlookReasonOutputSerializer(serializers.Serializer):
    key = enum(
        [
            ("first_failure", "first_failure"),
            ("small_failure", "small_failure"),
            ("not_preventable", "not_preventable"),
            ("unforeseeable", "unforeseeable"),
        ],
        "RecoveryOutlookCondition",
    )
    met = serializers.BooleanField()
    text = serializers.CharField()


class OutlookOutputSerializer(serializers.Serializer):
    """The recovery paradox's four conditions applied to this case."""

    verdict = enum(Verdict, "RecoveryOutlookVerdict")
    label = serializers.CharField()
    summary = serializers.CharField()
    reasons = OutlookReasonOutputSerializer(many=True)


class StepTimingOutputSerializer(serializers.Serializer):
    step = enum(RecoveryCase.Status, "RecoveryCaseStatus")
    reached_at = serializers.DateTimeField(allow_null=True)
    seconds = serializers.SerializerMethodField(
        help_text="Time from the previous step; null until reached."
    )

    def get_seconds(self, timing: selectors.StepTiming) -> int | None:
        return int(timing.duration.total_seconds()) if timing.duration else None


class OfferOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_id = serializers.IntegerField()
    kind = enum(Offer.Kind, "OfferKind")
    amount = MoneyField(amount_attr="amount")
    requested_amount = MoneyField(
        amount_attr="requested_amount", help_text="What the agent asked for."
    )
    description = serializers.CharField()
    status = enum(Offer.Status, "OfferStatus")
    is_within_authority = serializers.BooleanField(
        help_text="Approved at once under the maker's own limits."
    )
    approval_reason = serializers.CharField(
        help_text="Why it needs a manager; empty when within authority."
    )
    created_by = UserOutputSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    decided_by = UserOutputSerializer(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField(
        source="decision_text",
        help_text="In the requester's language: any system sentence (an amount "
        "changed), then the decider's reason.",
    )
    customer_answer = enum(Offer.Answer, "OfferAnswer", allow_blank=True)
    answered_at = serializers.DateTimeField(allow_null=True)


class ApprovalOutputSerializer(OfferOutputSerializer):
    """An offer waiting for a manager, with what the decision needs."""

    ticket = serializers.CharField(source="case.ticket.reference")
    ticket_subject = serializers.CharField(source="case.ticket.subject")
    inbox = InboxSummaryOutputSerializer()
    failure_type = enum(FailureType, "RecoveryFailureType", source="case.failure_type")
    severity = enum(Severity, "RecoverySeverity", source="case.severity")
    fair_outcome = serializers.CharField(source="case.fair_outcome")


class PromiseCheckOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = enum(PromiseCheck.Kind, "PromiseCheckKind")
    outcome = serializers.CharField()
    can_keep = serializers.BooleanField()
    checked_by = UserOutputSerializer(allow_null=True)
    checked_at = serializers.DateTimeField()


class ChoiceRequestOutputSerializer(serializers.Serializer):
    """Options put to the customer and, once made, their choice."""

    id = serializers.IntegerField()
    status = enum(ChoiceRequest.Status, "ChoiceRequestStatus")
    new_date = serializers.DateField()
    alternative = serializers.CharField()
    incentive_offer_id = serializers.IntegerField(allow_null=True)
    refund = MoneyField(amount_attr="refund_amount")
    prepared_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    chosen_option = enum(ChoiceRequest.Option, "ChoiceOption", allow_blank=True)
    chosen_at = serializers.DateTimeField(allow_null=True)
    chosen_channel = enum(Channel, "RecoveryChannel", allow_blank=True)
    customer_note = serializers.CharField()


class PostMortemOutputSerializer(serializers.Serializer):
    chain_of_events = serializers.CharField()
    root_cause = enum(PostMortem.RootCause, "RootCause")
    component = ComponentOutputSerializer()
    is_preventable = serializers.BooleanField()
    prevention_action = serializers.CharField()
    prevention_owner = UserOutputSerializer()
    prevention_due_date = serializers.DateField()
    created_at = serializers.DateTimeField()


class RecoveryCaseOutputSerializer(serializers.Serializer):
    """A case as listed: its assessment, state, outlook and step timings."""

    id = serializers.IntegerField()
    ticket = serializers.CharField(source="ticket.reference")
    inbox = InboxSummaryOutputSerializer(source="ticket.inbox")
    customer_email = serializers.EmailField(source="ticket.customer.email")
    failure_type = enum(FailureType, "RecoveryFailureType")
    severity = enum(Severity, "RecoverySeverity")
    attribution = enum(Attribution, "RecoveryAttribution")
    is_preventable = serializers.BooleanField()
    is_foreseeable = serializers.BooleanField()
    summary = serializers.CharField()
    prior_failure_count = serializers.IntegerField(
        help_text="The customer's earlier cases in the 12 months before opening."
    )
    status = enum(RecoveryCase.Status, "RecoveryCaseStatus")
    escalated_from = enum(RecoveryCase.Status, "RecoveryCaseStatus", allow_blank=True)
    escalation_target = serializers.CharField()
    owner = UserOutputSerializer(allow_null=True)
    opened_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()
    outlook = serializers.SerializerMethodField()
    timings = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()

    @extend_schema_field(OutlookOutputSerializer)
    def get_outlook(self, case: RecoveryCase) -> dict:
        outlook = selectors.case_outlook(case)
        data = {**outlook.__dict__, "label": outlook.label}
        data["reasons"] = [reason.__dict__ for reason in outlook.reasons]
        return OutlookOutputSerializer(data).data

    @extend_schema_field(StepTimingOutputSerializer(many=True))
    def get_timings(self, case: RecoveryCase) -> list:
        return StepTimingOutputSerializer(selectors.case_timings(case), many=True).data

    def get_allowed_transitions(self, case: RecoveryCase) -> list[str]:
        return sorted(case.TRANSITIONS[case.status])


class RecoveryCaseDetailOutputSerializer(RecoveryCaseOutputSerializer):
    """A case with everything recorded on it."""

    apology_channel = enum(Channel, "RecoveryChannel", allow_blank=True)
    apology_text = serializers.CharField()
    customer_account = serializers.CharField()
    chain_of_events = serializers.CharField()
    cause = serializers.CharField()
    fair_outcome = serializers.CharField()
    solution = serializers.CharField()
    no_compensation_reason = serializers.CharField()
    satisfaction_score = serializers.IntegerField(allow_null=True)
    satisfaction_comment = serializers.CharField()
    satisfaction_channel = enum(Channel, "RecoveryChannel", allow_blank=True)
    substitute_delivered_at = serializers.DateTimeField(allow_null=True)
    offers = OfferOutputSerializer(many=True)
    promise_checks = PromiseCheckOutputSerializer(many=True)
    choice_requests = ChoiceRequestOutputSerializer(many=True)
    post_mortem = serializers.SerializerMethodField()

    @extend_schema_field(PostMortemOutputSerializer(allow_null=True))
    def get_post_mortem(self, case: RecoveryCase) -> dict | None:
        post_mortem = getattr(case, "post_mortem", None)
        if post_mortem is None:
            return None
        return PostMortemOutputSerializer(post_mortem).data


class CaseEventOutputSerializer(NoteFieldsMixin):
    id = serializers.IntegerField()
    kind = enum(CaseEvent.Kind, "CaseEventKind")
    actor = UserOutputSerializer(allow_null=True, help_text="Null: customer or system.")
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    offer_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
