"""Change events: list, record, change and remove (managers only)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from recovery.api.serializers import enum
from recovery.trends import selectors, services
from recovery.trends.api._common import FORBIDDEN, INVALID, NOT_FOUND, TAGS
from recovery.trends.models import ChangeEvent
from tickets.api.pagination import ApiPagination, paginated_response
from tickets.api.schema import Api
from tickets.api.serializers import (
    ComponentOutputSerializer,
    InboxSummaryOutputSerializer,
    UserOutputSerializer,
)
from tickets.models import Component, Inbox


class TrendChangeEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    inbox = InboxSummaryOutputSerializer()
    kind = enum(ChangeEvent.Kind, "TrendChangeKind")
    component = ComponentOutputSerializer(allow_null=True)
    title = serializers.CharField()
    happened_at = serializers.DateTimeField()
    notes = serializers.CharField()
    created_by = UserOutputSerializer(allow_null=True)
    created_at = serializers.DateTimeField()


class ChangePagination(ApiPagination):
    ordering = ("-happened_at", "-id")


class TrendChangeEventInputSerializer(serializers.Serializer):
    inbox = serializers.SlugField(help_text="Slug of an inbox you manage.")
    kind = enum(ChangeEvent.Kind, "TrendChangeKind")
    component = serializers.IntegerField(
        required=False, allow_null=True, help_text="Component id; null: whole inbox."
    )
    title = serializers.CharField(max_length=200)
    happened_at = serializers.DateTimeField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")


def _inbox(user, slug: str) -> Inbox:
    found = next(
        (i for i in selectors.managed_inboxes(user=user) if i.slug == slug), None
    )
    if found is None:
        raise serializers.ValidationError({"inbox": ["Not an inbox you manage."]})
    return found


def _component(pk: int | None) -> Component | None:
    if pk is None:
        return None
    found = Component.objects.filter(pk=pk).first()
    if found is None:
        raise serializers.ValidationError({"component": ["No such component."]})
    return found


class ChangeEventListCreateApi(Api):
    pagination_class = ChangePagination

    @extend_schema(
        tags=TAGS,
        summary="Change events of the inboxes you manage, newest first",
        responses={200: TrendChangeEventOutputSerializer(many=True), 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        selectors.trend_scope(user=request.user)  # 403 unless a manager
        return paginated_response(
            pagination_class=self.pagination_class,
            serializer_class=TrendChangeEventOutputSerializer,
            queryset=selectors.change_event_list_for_user(user=request.user),
            request=request,
            view=self,
        )

    @extend_schema(
        tags=TAGS,
        summary="Record a change event",
        request=TrendChangeEventInputSerializer,
        responses={201: TrendChangeEventOutputSerializer, 400: INVALID, 403: FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        selectors.trend_scope(user=request.user)
        payload = TrendChangeEventInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        change = services.change_event_create(
            actor=request.user,
            inbox=_inbox(request.user, data["inbox"]),
            kind=data["kind"],
            component=_component(data.get("component")),
            title=data["title"],
            happened_at=data["happened_at"],
            notes=data["notes"],
        )
        return Response(
            TrendChangeEventOutputSerializer(change).data,
            status=status.HTTP_201_CREATED,
        )


class TrendChangeEventUpdateInputSerializer(serializers.Serializer):
    inbox = serializers.SlugField(required=False)
    kind = enum(ChangeEvent.Kind, "TrendChangeKind", required=False)
    component = serializers.IntegerField(required=False, allow_null=True)
    title = serializers.CharField(max_length=200, required=False)
    happened_at = serializers.DateTimeField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class ChangeEventDetailApi(Api):
    @extend_schema(
        tags=TAGS,
        summary="One change event",
        responses={200: TrendChangeEventOutputSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, change_id: int) -> Response:
        change = selectors.change_event_get_for_user(
            user=request.user, change_id=change_id
        )
        return Response(TrendChangeEventOutputSerializer(change).data)

    @extend_schema(
        tags=TAGS,
        summary="Change what was recorded",
        request=TrendChangeEventUpdateInputSerializer,
        responses={200: TrendChangeEventOutputSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def patch(self, request: Request, change_id: int) -> Response:
        change = selectors.change_event_get_for_user(
            user=request.user, change_id=change_id
        )
        payload = TrendChangeEventUpdateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        if "inbox" in data:
            data["inbox"] = _inbox(request.user, data["inbox"])
        if "component" in data:
            data["component"] = _component(data["component"])
        change = services.change_event_update(actor=request.user, change=change, **data)
        return Response(TrendChangeEventOutputSerializer(change).data)

    @extend_schema(
        tags=TAGS,
        summary="Remove a change event",
        responses={204: None, 404: NOT_FOUND},
    )
    def delete(self, request: Request, change_id: int) -> Response:
        change = selectors.change_event_get_for_user(
            user=request.user, change_id=change_id
        )
        services.change_event_delete(actor=request.user, change=change)
        return Response(status=status.HTTP_204_NO_CONTENT)
