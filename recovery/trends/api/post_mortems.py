"""The post-mortem log as JSON (the CSV export is a page)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from recovery.api.serializers import enum
from recovery.models import PostMortem
from recovery.trends import selectors
from recovery.trends.api._common import FORBIDDEN, INVALID, TAGS
from tickets.api.pagination import ApiPagination, paginated_response
from tickets.api.schema import Api
from tickets.api.serializers import (
    ComponentOutputSerializer,
    InboxSummaryOutputSerializer,
    UserOutputSerializer,
)


class PostMortemPagination(ApiPagination):
    ordering = ("-created_at", "-id")


class PostMortemFilterSerializer(serializers.Serializer):
    inbox = serializers.SlugField(required=False)
    root_cause = enum(PostMortem.RootCause, "TrendRootCause", required=False)
    component = serializers.IntegerField(required=False)
    owner = serializers.IntegerField(required=False, help_text="Owner's user id.")
    overdue = serializers.BooleanField(
        required=False,
        help_text="Only prevention actions past their due date and not done.",
    )
    q = serializers.CharField(
        required=False, help_text="Search the action, the chain of events, a ref."
    )


class TrendPostMortemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_id = serializers.IntegerField()
    ticket = serializers.CharField(source="case.ticket.reference")
    inbox = InboxSummaryOutputSerializer(source="case.ticket.inbox")
    failure_type = serializers.CharField(source="case.failure_type")
    root_cause = enum(PostMortem.RootCause, "TrendRootCause")
    component = ComponentOutputSerializer()
    is_preventable = serializers.BooleanField()
    chain_of_events = serializers.CharField()
    prevention_action = serializers.CharField()
    prevention_owner = UserOutputSerializer()
    prevention_due_date = serializers.DateField()
    prevention_done_at = serializers.DateTimeField(
        allow_null=True, help_text="When the prevention action was marked done."
    )
    created_at = serializers.DateTimeField()


class PostMortemListApi(Api):
    pagination_class = PostMortemPagination

    @extend_schema(
        tags=TAGS,
        summary="The post-mortem log of the inboxes you manage",
        description="As CSV: `/recovery/trends/post-mortems.csv` (signed in).",
        parameters=[PostMortemFilterSerializer],
        responses={
            200: TrendPostMortemOutputSerializer(many=True),
            400: INVALID,
            403: FORBIDDEN,
        },
    )
    def get(self, request: Request) -> Response:
        PostMortemFilterSerializer(data=request.query_params).is_valid(
            raise_exception=True
        )
        qs = selectors.post_mortem_list_for_manager(
            user=request.user,
            filters=selectors.PostMortemFilters.from_params(request.query_params),
        )
        return paginated_response(
            pagination_class=self.pagination_class,
            serializer_class=TrendPostMortemOutputSerializer,
            queryset=qs,
            request=request,
            view=self,
        )
