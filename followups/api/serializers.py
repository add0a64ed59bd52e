"""Output shapes of the followups API; input serializers live in the views."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from followups.api.schema import EnumField
from followups.models import FollowUp, Notification, Promise
from followups.texts import notification_text
from tickets.api.serializers import NoteFieldsMixin, UserOutputSerializer


def promise_kind(**kwargs) -> EnumField:
    return EnumField(choices=Promise.Kind.choices, enum_name="PromiseKind", **kwargs)


def promise_state(**kwargs) -> EnumField:
    return EnumField(choices=Promise.State.choices, enum_name="PromiseState", **kwargs)


def followup_kind(**kwargs) -> EnumField:
    return EnumField(choices=FollowUp.Kind.choices, enum_name="FollowUpKind", **kwargs)


def followup_channel(**kwargs) -> EnumField:
    return EnumField(
        choices=FollowUp.Channel.choices, enum_name="FollowUpChannel", **kwargs
    )


def followup_state(**kwargs) -> EnumField:
    return EnumField(
        choices=FollowUp.State.choices, enum_name="FollowUpState", **kwargs
    )


class PromiseEventOutputSerializer(NoteFieldsMixin):
    """One entry of a promise's history: a state change and/or a new due time."""

    from_state = serializers.CharField(help_text="Empty for the creation.")
    to_state = promise_state()
    previous_due_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    actor = UserOutputSerializer(allow_null=True)
    message_id = serializers.IntegerField(
        allow_null=True, help_text="The delay notice sent with it."
    )
    created_at = serializers.DateTimeField()


class PromiseOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ticket = serializers.CharField(source="ticket.reference", help_text="Reference.")
    kind = promise_kind()
    what = serializers.CharField()
    to_whom = serializers.CharField()
    due_at = serializers.DateTimeField()
    original_due_at = serializers.DateTimeField()
    warn_at = serializers.DateTimeField(help_text="From here on it counts as at risk.")
    state = promise_state()
    renegotiation_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    kept_at = serializers.DateTimeField(allow_null=True)
    broken_at = serializers.DateTimeField(allow_null=True)


class PromiseDetailOutputSerializer(PromiseOutputSerializer):
    history = PromiseEventOutputSerializer(source="events.all", many=True)


class DelayNoticeOutputSerializer(serializers.Serializer):
    """The prepared text; dots stand for the explanation and the new date."""

    language = serializers.CharField()
    body = serializers.CharField()


class SatisfactionOutputSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField()
    channel = serializers.CharField()
    answered_at = serializers.DateTimeField()
    changed_at = serializers.DateTimeField(allow_null=True)


class FollowUpOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ticket = serializers.CharField(source="ticket.reference", help_text="Reference.")
    case_id = serializers.IntegerField(allow_null=True)
    kind = followup_kind()
    channel = followup_channel()
    due_at = serializers.DateTimeField()
    note = serializers.CharField(
        source="note_text",
        help_text="What to do, in the requester's language: the system sentence, "
        "then any text a person wrote.",
    )
    note_code = serializers.CharField(
        help_text="The system sentence's code; empty for a person's text only."
    )
    note_params = serializers.DictField(help_text="The system sentence's values.")
    owner = UserOutputSerializer(allow_null=True)
    state = followup_state()
    fired_at = serializers.DateTimeField(allow_null=True)
    late_by_seconds = serializers.SerializerMethodField()
    done_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField(
        source="outcome_text", help_text="How it ended, in the requester's language."
    )
    message_id = serializers.IntegerField(
        allow_null=True, help_text="The email the system sent for it."
    )
    satisfaction = serializers.SerializerMethodField()

    def get_late_by_seconds(self, followup: FollowUp) -> int | None:
        return int(followup.late_by.total_seconds()) if followup.late_by else None

    @extend_schema_field(SatisfactionOutputSerializer(allow_null=True))
    def get_satisfaction(self, followup: FollowUp) -> dict | None:
        answer = getattr(followup, "satisfaction_answer", None)
        return SatisfactionOutputSerializer(answer).data if answer else None


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = EnumField(choices=Notification.Kind.choices, enum_name="NotificationKind")
    text = serializers.SerializerMethodField()
    ticket = serializers.CharField(
        source="ticket.reference", allow_null=True, help_text="Reference."
    )
    promise_id = serializers.IntegerField(allow_null=True)
    followup_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)

    def get_text(self, notification: Notification) -> str:
        return notification_text(notification)
