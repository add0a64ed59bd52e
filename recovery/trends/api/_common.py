"""What every trends endpoint shares: the filters, the period in the
answer, the schema of a figure and the error responses."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request

from recovery.trends import selectors
from tickets.api.serializers import (
    ErrorOutputSerializer,
    InboxSummaryOutputSerializer,
)

TAGS = ["trends"]
FORBIDDEN = OpenApiResponse(ErrorOutputSerializer, description="Managers only.")
NOT_FOUND = OpenApiResponse(
    ErrorOutputSerializer, description="Not an inbox or change event you manage."
)
INVALID = OpenApiResponse(ErrorOutputSerializer, description="Invalid input.")


# --- filters and the period --------------------------------------------------


class TrendFilterSerializer(serializers.Serializer):
    inbox = serializers.SlugField(
        required=False,
        help_text="Slug of an inbox you manage, or `all` for every one of them; "
        "absent: the first of them by name.",
    )
    days = serializers.ChoiceField(
        choices=selectors.PERIOD_CHOICES,
        required=False,
        help_text="The last N days (default 90).",
    )
    date_from = serializers.DateField(
        required=False, help_text="A custom period instead of `days` (inclusive)."
    )
    date_to = serializers.DateField(required=False)


class TrendPeriodOutputSerializer(serializers.Serializer):
    inboxes = InboxSummaryOutputSerializer(many=True)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    days = serializers.IntegerField(allow_null=True)
    time_zone = serializers.CharField(
        help_text="Zone of the labels; hours and weekdays use each inbox's own."
    )


def scope_of(request: Request) -> selectors.Scope:
    params = TrendFilterSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    data = params.validated_data
    return selectors.trend_scope(
        user=request.user,
        inbox=data.get("inbox"),
        days=int(data["days"]) if data.get("days") else None,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )


def period_data(scope: selectors.Scope) -> dict[str, Any]:
    return TrendPeriodOutputSerializer(
        {
            "inboxes": scope.inboxes,
            "start": scope.start,
            "end": scope.end,
            "days": scope.days,
            "time_zone": str(scope.zone),
        }
    ).data


def figure_schema(summary: str, response: type, description: str = "") -> Any:
    return extend_schema(
        tags=TAGS,
        summary=summary,
        description=description,
        parameters=[TrendFilterSerializer],
        responses={200: response, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )


def board_of(scope: selectors.Scope, *, money: bool = False) -> selectors.Dashboard:
    return selectors.dashboard(scope=scope, with_money=money)
