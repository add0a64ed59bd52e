"""The trends API: JSON for each chart of the dashboard, the spike list,
change events (CRUD) and the post-mortem log.

Managers only: a user who manages no inbox gets 403, an inbox they do not
manage 404. Each figure takes the dashboard's filters (`inbox`, `days` or
`date_from`/`date_to`) and runs only the statements it needs."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from recovery.api.serializers import enum
from recovery.models import PostMortem
from recovery.trends import figures, selectors, services, spikes
from recovery.trends.models import ChangeEvent
from tickets.api.pagination import ApiPagination, paginated_response
from tickets.api.schema import Api
from tickets.api.serializers import (
    ComponentOutputSerializer,
    ErrorOutputSerializer,
    InboxSummaryOutputSerializer,
    UserOutputSerializer,
)
from tickets.models import Component, Inbox

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


def _scope(request: Request) -> selectors.Scope:
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


def _period(scope: selectors.Scope) -> dict[str, Any]:
    return TrendPeriodOutputSerializer(
        {
            "inboxes": scope.inboxes,
            "start": scope.start,
            "end": scope.end,
            "days": scope.days,
            "time_zone": str(scope.zone),
        }
    ).data


def _figure_schema(summary: str, response: type, description: str = "") -> Any:
    return extend_schema(
        tags=TAGS,
        summary=summary,
        description=description,
        parameters=[TrendFilterSerializer],
        responses={200: response, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )


def _board(scope: selectors.Scope, *, money: bool = False) -> selectors.Dashboard:
    return selectors.dashboard(scope=scope, with_money=money)


# --- heatmaps ----------------------------------------------------------------


class TrendHeatmapOutputSerializer(serializers.Serializer):
    period = TrendPeriodOutputSerializer()
    weekdays = serializers.ListField(
        child=serializers.CharField(), help_text="Row labels, Monday first."
    )
    cases = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="Recovery cases: 7 rows (Monday first) of 24 hours, by when "
        "the complaint came in (inbox time).",
    )
    complaints = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="Tickets with a complaint category, 7 x 24.",
    )
    tickets = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="All tickets that came in, 7 x 24 (the baseline).",
    )


class TrendHeatmapApi(Api):
    @_figure_schema(
        "Recovery cases and complaints by weekday and hour",
        TrendHeatmapOutputSerializer,
        "Counts per local weekday and hour in each inbox's time zone.",
    )
    def get(self, request: Request) -> Response:
        scope = _scope(request)
        board = _board(scope)
        heat = figures.heatmaps(board)
        return Response(
            TrendHeatmapOutputSerializer(
                {
                    "period": _period(scope),
                    "weekdays": figures.weekday_names(),
                    "cases": heat.cases,
                    "complaints": heat.complaints,
                    "tickets": heat.tickets,
                }
            ).data
        )


# --- agents ------------------------------------------------------------------


class TrendAgentRowOutputSerializer(serializers.Serializer):
    agent_id = serializers.IntegerField()
    name = serializers.CharField()
    cases = serializers.IntegerField()
    tickets = serializers.IntegerField(
        help_text="Tickets assigned to the agent that came in during the period."
    )
    per_100_tickets = serializers.FloatField(allow_null=True)
    by_hour = serializers.ListField(
        child=serializers.IntegerField(), help_text="Cases by local hour, 0-23."
    )


class TrendAgentsOutputSerializer(serializers.Serializer):
    period = TrendPeriodOutputSerializer()
    agents = TrendAgentRowOutputSerializer(many=True)


class TrendAgentsApi(Api):
    @_figure_schema(
        "Recovery cases by agent, per 100 tickets handled and by hour",
        TrendAgentsOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        scope = _scope(request)
        board = _board(scope)
        return Response(
            TrendAgentsOutputSerializer(
                {"period": _period(scope), "agents": figures.agent_rows(board)}
            ).data
        )


# --- weekly series and change events -----------------------------------------


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


class TrendWeeklySeriesOutputSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="Root cause, component id, `other`, `none` or `undocumented`."
    )
    label = serializers.CharField()
    counts = serializers.ListField(child=serializers.IntegerField())


class TrendWeeklyOutputSerializer(serializers.Serializer):
    period = TrendPeriodOutputSerializer()
    weeks = serializers.ListField(
        child=serializers.DateField(), help_text="Mondays of the local weeks."
    )
    totals = serializers.ListField(child=serializers.IntegerField())
    by_root_cause = TrendWeeklySeriesOutputSerializer(many=True)
    by_component = TrendWeeklySeriesOutputSerializer(many=True)
    change_events = TrendChangeEventOutputSerializer(many=True)


class TrendWeeklyApi(Api):
    @_figure_schema(
        "Recovery cases per week by root cause and component, with change events",
        TrendWeeklyOutputSerializer,
        "Cases opened per local week. Components beyond the six largest are "
        "summed as `other`; cases without a post-mortem use the ticket's "
        "component.",
    )
    def get(self, request: Request) -> Response:
        scope = _scope(request)
        board = _board(scope)
        return Response(
            TrendWeeklyOutputSerializer(
                {
                    "period": _period(scope),
                    "weeks": board.weeks,
                    "totals": figures.weekly_totals(board),
                    "by_root_cause": figures.weekly_by_cause(board),
                    "by_component": figures.weekly_by_component(board),
                    "change_events": board.events,
                }
            ).data
        )


# --- compensation ------------------------------------------------------------


class TrendCurrencySeriesOutputSerializer(serializers.Serializer):
    currency = serializers.CharField()
    amounts = serializers.ListField(
        child=serializers.DecimalField(max_digits=14, decimal_places=2),
        help_text="Approved per week, aligned with `weeks`.",
    )


class TrendAgentSpendOutputSerializer(serializers.Serializer):
    agent_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    inbox_id = serializers.IntegerField()
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    within_authority = serializers.DecimalField(max_digits=14, decimal_places=2)
    busiest_month = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="Most granted within own authority in one month of the period.",
    )
    month_limit = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="The member's monthly limit; null when it is in another currency.",
    )
    needed_approval = serializers.IntegerField()


class TrendTurnaroundOutputSerializer(serializers.Serializer):
    decided = serializers.IntegerField()
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)
    pending = serializers.IntegerField(help_text="Waiting for approval now.")


class TrendCompensationOutputSerializer(serializers.Serializer):
    period = TrendPeriodOutputSerializer()
    weeks = serializers.ListField(child=serializers.DateField())
    weekly = TrendCurrencySeriesOutputSerializer(
        many=True, help_text="One series per currency; never added together."
    )
    by_agent = TrendAgentSpendOutputSerializer(many=True)
    approval_turnaround = TrendTurnaroundOutputSerializer()


class TrendCompensationApi(Api):
    @_figure_schema(
        "Compensation per week and per agent against limits; approval turnaround",
        TrendCompensationOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        scope = _scope(request)
        board = _board(scope, money=True)
        money = board.compensation
        return Response(
            TrendCompensationOutputSerializer(
                {
                    "period": _period(scope),
                    "weeks": board.weeks,
                    "weekly": figures.weekly_compensation(board),
                    "by_agent": [
                        {**vars(s), "name": board.agents.get(s.agent_id, "")}
                        for s in money.by_agent
                    ],
                    "approval_turnaround": {
                        "decided": money.turnaround[0],
                        "median_hours": money.turnaround[1],
                        "p90_hours": money.turnaround[2],
                        "pending": money.pending,
                    },
                }
            ).data
        )


# --- recovery effectiveness --------------------------------------------------


class TrendSatisfactionGroupOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True, help_text="Average score 1-5.")
    satisfied_share = serializers.FloatField(
        allow_null=True, help_text="Share of answers of 4 or 5."
    )


class TrendSatisfactionOutputSerializer(serializers.Serializer):
    recovered = TrendSatisfactionGroupOutputSerializer(
        help_text="Scores on cases resolved in the period."
    )
    no_failure = TrendSatisfactionGroupOutputSerializer(
        help_text="Survey answers of customers who had no recovery case."
    )


class TrendRepeatOutputSerializer(serializers.Serializer):
    key = enum(
        [("first", "first"), ("second", "second"), ("third_or_more", "third_or_more")],
        "TrendRepeatFailure",
    )
    label = serializers.CharField()
    cases = serializers.IntegerField()


class TrendTimingOutputSerializer(serializers.Serializer):
    key = enum(
        [("acknowledge", "acknowledge"), ("resolve", "resolve")], "TrendTimingStep"
    )
    label = serializers.CharField()
    count = serializers.IntegerField()
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)


class TrendPromisesOutputSerializer(serializers.Serializer):
    kept = serializers.IntegerField()
    broken = serializers.IntegerField()
    open = serializers.IntegerField()


class TrendEffectivenessOutputSerializer(serializers.Serializer):
    period = TrendPeriodOutputSerializer()
    satisfaction = TrendSatisfactionOutputSerializer()
    repeat_failures = TrendRepeatOutputSerializer(many=True)
    timings = TrendTimingOutputSerializer(
        many=True, help_text="From the customer's first message."
    )
    promises = TrendPromisesOutputSerializer(
        help_text="Promises on the tickets of the period's recovery cases."
    )


class TrendEffectivenessApi(Api):
    @_figure_schema(
        "Recovery effectiveness: satisfaction, repeat failures, timings, promises",
        TrendEffectivenessOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        scope = _scope(request)
        board = _board(scope)
        return Response(
            TrendEffectivenessOutputSerializer(
                {
                    "period": _period(scope),
                    "satisfaction": board.satisfaction,
                    "repeat_failures": figures.repeat_failures(board),
                    "timings": figures.timings(board),
                    "promises": figures.promises(board),
                }
            ).data
        )


# --- spikes ------------------------------------------------------------------


class TrendThresholdsOutputSerializer(serializers.Serializer):
    alpha = serializers.FloatField(help_text="Family-wise error rate (Holm).")
    min_count = serializers.IntegerField()
    min_ratio = serializers.FloatField()
    min_rise_ratio = serializers.FloatField()


class TrendSpikeOutputSerializer(serializers.Serializer):
    kind = enum(
        [
            (spikes.AGENT_HOUR, spikes.AGENT_HOUR),
            (spikes.HOUR, spikes.HOUR),
            (spikes.COMPLAINTS, spikes.COMPLAINTS),
            (spikes.CHANGE, spikes.CHANGE),
        ],
        "TrendSpikeKind",
    )
    sentence = serializers.CharField()
    observed = serializers.IntegerField()
    expected = serializers.FloatField()
    p_value = serializers.FloatField()
    adjusted_p = serializers.FloatField(help_text="Holm-adjusted p-value.")
    weekday = serializers.IntegerField(allow_null=True, help_text="0 = Monday.")
    weekday_name = serializers.CharField()
    hour = serializers.IntegerField(allow_null=True)
    agent_id = serializers.IntegerField(allow_null=True)
    change_id = serializers.IntegerField(allow_null=True)
    before_per_week = serializers.FloatField(allow_null=True)
    after_per_week = serializers.FloatField(allow_null=True)


class TrendSpikesOutputSerializer(serializers.Serializer):
    period = TrendPeriodOutputSerializer()
    compared = serializers.IntegerField(help_text="Cells and changes tested.")
    thresholds = TrendThresholdsOutputSerializer()
    spikes = TrendSpikeOutputSerializer(many=True)


class TrendSpikesApi(Api):
    @_figure_schema(
        "What stands out: cells and changes with more cases than expected",
        TrendSpikesOutputSerializer,
        "Empty when nothing stands out. See the README's Trends section for "
        "the tests and thresholds.",
    )
    def get(self, request: Request) -> Response:
        scope = _scope(request)
        report = selectors.spikes_for(scope=scope)
        return Response(
            TrendSpikesOutputSerializer(
                {
                    "period": _period(scope),
                    "compared": report.compared,
                    "thresholds": report.thresholds,
                    "spikes": figures.spike_items(report),
                }
            ).data
        )


# --- change events -----------------------------------------------------------


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


# --- the post-mortem log -----------------------------------------------------


class PostMortemPagination(ApiPagination):
    ordering = ("-created_at", "-id")


class PostMortemFilterSerializer(serializers.Serializer):
    inbox = serializers.SlugField(required=False)
    root_cause = enum(PostMortem.RootCause, "TrendRootCause", required=False)
    component = serializers.IntegerField(required=False)
    owner = serializers.IntegerField(required=False, help_text="Owner's user id.")
    overdue = serializers.BooleanField(
        required=False, help_text="Only prevention actions past their due date."
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
