"""Thin API views for promises, follow-ups and notifications: parse input,
read through selectors (a promise or follow-up on a ticket outside the user's
inboxes is a 404), write through one service call."""

from collections.abc import Callable

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from followups import mail, selectors, services
from followups.api.serializers import (
    DelayNoticeOutputSerializer,
    FollowUpOutputSerializer,
    NotificationOutputSerializer,
    PromiseDetailOutputSerializer,
    PromiseOutputSerializer,
    followup_channel,
    followup_kind,
    promise_kind,
)
from followups.models import FollowUp, Promise
from helpdesk.api import PageMixin
from tickets import selectors as ticket_selectors
from tickets.api.pagination import ApiPagination
from tickets.api.schema import Api
from tickets.api.serializers import ErrorOutputSerializer
from tickets.models import Ticket

NOT_FOUND = OpenApiResponse(ErrorOutputSerializer, description="Not visible to you.")
INVALID = OpenApiResponse(
    ErrorOutputSerializer, description="Invalid input; field errors by name."
)
CONFLICT = OpenApiResponse(
    ErrorOutputSerializer, description="The current state does not allow it."
)

Service = Callable[..., object]


def _changed(output: type[serializers.Serializer]) -> dict:
    """What a change with input answers."""
    return {200: output, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT}


class DuePagination(ApiPagination):
    """Soonest due first; the id breaks ties."""

    ordering = ("due_at", "id")


class NewestPagination(ApiPagination):
    ordering = ("-created_at", "-id")


class TicketReferenceField(serializers.CharField):
    """A ticket reference the requesting user may see (else a field error)."""

    def to_internal_value(self, data: object) -> Ticket:
        reference = super().to_internal_value(data)
        try:
            return ticket_selectors.ticket_get_for_user(
                user=self.context["user"], reference=reference
            )
        except Http404:
            raise serializers.ValidationError(
                _("No ticket with this reference in your inboxes.")
            ) from None


def _ticket_filter(request: Request) -> Ticket | None:
    reference = request.query_params.get("ticket")
    if not reference:
        return None
    return ticket_selectors.ticket_get_for_user(user=request.user, reference=reference)


def _promise_detail(
    request: Request, promise_id: int, code: int = status.HTTP_200_OK
) -> Response:
    promise = selectors.promise_get_for_user(user=request.user, promise_id=promise_id)
    return Response(PromiseDetailOutputSerializer(promise).data, status=code)


def _followup_detail(
    request: Request, followup_id: int, code: int = status.HTTP_200_OK
) -> Response:
    followup = selectors.followup_get_for_user(
        user=request.user, followup_id=followup_id
    )
    return Response(FollowUpOutputSerializer(followup).data, status=code)


def _apply(
    request: Request,
    serializer: type[serializers.Serializer],
    call: Service,
    *,
    partial: bool = False,
    **target: Promise | FollowUp,
) -> None:
    """Validate the input (400), then run one service call on the target,
    which the caller has fetched through a selector (so 404 comes first)."""
    payload = serializer(data=request.data, partial=partial)
    payload.is_valid(raise_exception=True)
    call(actor=request.user, **target, **payload.validated_data)


# Bases of the views that change one promise or follow-up. No docstrings:
# OpenAPI would show them on every operation.
class _PromiseAction(Api):
    def change(
        self, request: Request, promise_id: int, call: Service, *, partial: bool = False
    ) -> Response:
        promise = selectors.promise_get_for_user(
            user=request.user, promise_id=promise_id
        )
        _apply(request, self.InputSerializer, call, partial=partial, promise=promise)
        return _promise_detail(request, promise_id)


class _FollowUpAction(Api):
    def change(self, request: Request, followup_id: int, call: Service) -> Response:
        followup = selectors.followup_get_for_user(
            user=request.user, followup_id=followup_id
        )
        _apply(request, self.InputSerializer, call, followup=followup)
        return _followup_detail(request, followup_id)


# --- promises ----------------------------------------------------------------


class PromiseListCreateApi(PageMixin, Api):
    class FilterSerializer(serializers.Serializer):
        ticket = serializers.CharField(required=False, help_text="Ticket reference.")
        state = serializers.ChoiceField(
            choices=["active", *Promise.State.values],
            required=False,
            help_text="`active`: open, at risk or renegotiated.",
        )
        kind = serializers.ChoiceField(choices=Promise.Kind.values, required=False)

    class InputSerializer(serializers.Serializer):
        ticket = TicketReferenceField(help_text="Reference of a ticket you can see.")
        kind = promise_kind()
        what = serializers.CharField(max_length=300)
        due_at = serializers.DateTimeField()
        to_whom = serializers.CharField(
            max_length=200, required=False, help_text="Default: the customer."
        )

    @extend_schema(
        tags=["promises"],
        summary="Promises on tickets in your inboxes, soonest due first",
        parameters=[FilterSerializer],
        responses={200: PromiseOutputSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        promises = selectors.promise_list_for_user(
            user=request.user,
            ticket=_ticket_filter(request),
            state=filters.validated_data.get("state"),
            kind=filters.validated_data.get("kind"),
        )
        return self.paginated(
            promises, PromiseOutputSerializer, pagination_class=DuePagination
        )

    @extend_schema(
        tags=["promises"],
        summary="Record a promise made to a customer",
        request=InputSerializer,
        responses={201: PromiseDetailOutputSerializer, 400: INVALID},
    )
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(
            data=request.data, context={"user": request.user}
        )
        payload.is_valid(raise_exception=True)
        promise = services.promise_create(actor=request.user, **payload.validated_data)
        return _promise_detail(request, promise.pk, status.HTTP_201_CREATED)


class PromiseDetailApi(_PromiseAction):
    class InputSerializer(serializers.Serializer):
        what = serializers.CharField(max_length=300, required=False)
        to_whom = serializers.CharField(
            max_length=200, required=False, allow_blank=True
        )

    class DeleteSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(
        tags=["promises"],
        summary="A promise with its history of states and due times",
        responses={200: PromiseDetailOutputSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, promise_id: int) -> Response:
        return _promise_detail(request, promise_id)

    @extend_schema(
        tags=["promises"],
        summary="Correct what was promised or to whom",
        description="The due time changes only by renegotiation or a delay notice.",
        request=InputSerializer,
        responses={200: PromiseDetailOutputSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def patch(self, request: Request, promise_id: int) -> Response:
        return self.change(request, promise_id, services.promise_update, partial=True)

    @extend_schema(
        tags=["promises"],
        summary="Withdraw a promise",
        description="For a promise recorded by mistake or made moot; it stays in "
        "the history as withdrawn.",
        request=None,
        responses={204: None, 404: NOT_FOUND, 409: CONFLICT},
    )
    def delete(self, request: Request, promise_id: int) -> Response:
        promise = selectors.promise_get_for_user(
            user=request.user, promise_id=promise_id
        )
        services.promise_withdraw(promise=promise, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PromiseKeepApi(_PromiseAction):
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(
        tags=["promises"],
        summary="Mark a promise kept",
        request=InputSerializer,
        responses={200: PromiseDetailOutputSerializer, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, promise_id: int) -> Response:
        return self.change(request, promise_id, services.promise_keep)


class PromiseRenegotiateApi(_PromiseAction):
    class InputSerializer(serializers.Serializer):
        new_due_at = serializers.DateTimeField(help_text="Later than the current one.")
        note = serializers.CharField(
            required=False, allow_blank=True, help_text="E.g. how it was agreed."
        )

    @extend_schema(
        tags=["promises"],
        summary="Move a promise to a new date agreed with the customer",
        description="No email is sent; use the delay notice to tell the customer.",
        request=InputSerializer,
        responses=_changed(PromiseDetailOutputSerializer),
    )
    def post(self, request: Request, promise_id: int) -> Response:
        return self.change(request, promise_id, services.promise_renegotiate)


class PromiseDelayNoticeApi(_PromiseAction):
    class InputSerializer(serializers.Serializer):
        new_due_at = serializers.DateTimeField(
            help_text="The new realistic date (required)."
        )
        explanation = serializers.CharField(
            max_length=4000, help_text="Why it takes longer, for the customer."
        )
        keep_posted = serializers.BooleanField(
            default=True, help_text="Promise updates until then."
        )

    @extend_schema(
        tags=["promises"],
        summary="The prepared delay notice in the customer's language",
        responses={200: DelayNoticeOutputSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, promise_id: int) -> Response:
        promise = selectors.promise_get_for_user(
            user=request.user, promise_id=promise_id
        )
        notice = mail.delay_notice(
            promise=promise, actor=request.user, new_due_at=None, explanation=""
        )
        return Response(
            DelayNoticeOutputSerializer(
                {"language": notice.language, "body": notice.body}
            ).data
        )

    @extend_schema(
        tags=["promises"],
        summary="Send the delay notice and renegotiate the promise",
        description="The facts, an apology, your explanation and the new date go "
        "to the customer through the outbox; the promise moves to the new date "
        "(its history keeps the old one).",
        request=InputSerializer,
        responses=_changed(PromiseDetailOutputSerializer),
    )
    def post(self, request: Request, promise_id: int) -> Response:
        return self.change(request, promise_id, services.promise_send_delay_notice)


# --- follow-ups --------------------------------------------------------------


class FollowUpListCreateApi(PageMixin, Api):
    class FilterSerializer(serializers.Serializer):
        ticket = serializers.CharField(required=False, help_text="Ticket reference.")
        state = serializers.ChoiceField(
            choices=["active", *FollowUp.State.values],
            required=False,
            help_text="`active`: scheduled or due.",
        )
        mine = serializers.BooleanField(
            required=False, default=False, help_text="Only those you own."
        )
        due = serializers.BooleanField(
            required=False, default=False, help_text="Only those due or overdue now."
        )

    class InputSerializer(serializers.Serializer):
        ticket = TicketReferenceField(help_text="Reference of a ticket you can see.")
        kind = followup_kind()
        due_at = serializers.DateTimeField()
        channel = followup_channel(
            required=False, help_text="Default: the customer's preferred channel."
        )
        owner_id = serializers.IntegerField(
            required=False,
            help_text="A member of the ticket's inbox; default: the assignee.",
        )
        note = serializers.CharField(
            max_length=500, required=False, allow_blank=True, help_text="What to do."
        )

        def validate(self, data: dict) -> dict:
            owner_id = data.pop("owner_id", None)
            if owner_id is not None:
                membership = (
                    ticket_selectors.members_of_inbox(inbox=data["ticket"].inbox)
                    .filter(user_id=owner_id)
                    .first()
                )
                if membership is None:
                    raise serializers.ValidationError(
                        {"owner_id": _("No active member of this inbox has this id.")}
                    )
                data["owner"] = membership.user
            return data

    @extend_schema(
        tags=["follow-ups"],
        summary="Follow-ups on tickets in your inboxes, soonest due first",
        parameters=[FilterSerializer],
        responses={200: FollowUpOutputSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        followups = selectors.followup_list_for_user(
            user=request.user,
            ticket=_ticket_filter(request),
            state=data.get("state"),
            mine=data["mine"],
            due_only=data["due"],
        )
        return self.paginated(
            followups, FollowUpOutputSerializer, pagination_class=DuePagination
        )

    @extend_schema(
        tags=["follow-ups"],
        summary="Schedule a follow-up",
        description="Email satisfaction checks and check-backs are sent by the "
        "system when due; every other follow-up becomes a reminder for its owner.",
        request=InputSerializer,
        responses={201: FollowUpOutputSerializer, 400: INVALID},
    )
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(
            data=request.data, context={"user": request.user}
        )
        payload.is_valid(raise_exception=True)
        followup = services.followup_schedule(
            actor=request.user, **payload.validated_data
        )
        return _followup_detail(request, followup.pk, status.HTTP_201_CREATED)


class FollowUpDetailApi(Api):
    @extend_schema(
        tags=["follow-ups"],
        summary="A follow-up",
        responses={200: FollowUpOutputSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, followup_id: int) -> Response:
        return _followup_detail(request, followup_id)


class FollowUpSnoozeApi(_FollowUpAction):
    class InputSerializer(serializers.Serializer):
        until = serializers.DateTimeField(help_text="In the future.")

    @extend_schema(
        tags=["follow-ups"],
        summary="Snooze a follow-up until a later time",
        request=InputSerializer,
        responses=_changed(FollowUpOutputSerializer),
    )
    def post(self, request: Request, followup_id: int) -> Response:
        return self.change(request, followup_id, services.followup_snooze)


class FollowUpCompleteApi(_FollowUpAction):
    class InputSerializer(serializers.Serializer):
        outcome = serializers.CharField(required=False, allow_blank=True)
        score = serializers.IntegerField(
            min_value=1,
            max_value=5,
            required=False,
            help_text="For a satisfaction check done by phone: the customer's score.",
        )
        comment = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(
        tags=["follow-ups"],
        summary="Mark a follow-up done",
        request=InputSerializer,
        responses=_changed(FollowUpOutputSerializer),
    )
    def post(self, request: Request, followup_id: int) -> Response:
        return self.change(request, followup_id, services.followup_complete)


class FollowUpCancelApi(_FollowUpAction):
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(
        tags=["follow-ups"],
        summary="Cancel a follow-up",
        request=InputSerializer,
        responses={200: FollowUpOutputSerializer, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, followup_id: int) -> Response:
        return self.change(request, followup_id, services.followup_cancel)


# --- notifications -----------------------------------------------------------


class NotificationListApi(PageMixin, Api):
    class FilterSerializer(serializers.Serializer):
        unread = serializers.BooleanField(
            required=False, default=False, help_text="Only unread ones."
        )

    @extend_schema(
        tags=["notifications"],
        summary="Your reminders, newest first",
        parameters=[FilterSerializer],
        responses=NotificationOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        notifications = selectors.notification_list_for_user(
            user=request.user, unread_only=filters.validated_data["unread"]
        )
        return self.paginated(
            notifications,
            NotificationOutputSerializer,
            pagination_class=NewestPagination,
        )


class NotificationReadApi(Api):
    class InputSerializer(serializers.Serializer):
        ids = serializers.ListField(
            child=serializers.IntegerField(),
            required=False,
            max_length=500,
            help_text="Leave out to mark every unread reminder read.",
        )

    class OutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField()
        unread = serializers.IntegerField()

    @extend_schema(
        tags=["notifications"],
        summary="Mark reminders read",
        request=InputSerializer,
        responses={200: OutputSerializer, 400: INVALID},
    )
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        marked = services.notification_mark_read(
            user=request.user, notification_ids=payload.validated_data.get("ids")
        )
        unread = selectors.notification_unread_count(user=request.user)
        return Response(
            self.OutputSerializer({"marked": marked, "unread": unread}).data
        )
