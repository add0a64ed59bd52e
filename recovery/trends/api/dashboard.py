"""JSON for each chart of the dashboard and the spike list; each takes the
dashboard's filters and runs only the statements it needs."""

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from recovery.api.serializers import enum
from recovery.trends import figures, selectors, spikes
from recovery.trends.api._common import (
    TrendPeriodOutputSerializer,
    board_of,
    figure_schema,
    period_data,
    scope_of,
)
from recovery.trends.api.changes import TrendChangeEventOutputSerializer
from tickets.api.schema import Api

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
    @figure_schema(
        "Recovery cases and complaints by weekday and hour",
        TrendHeatmapOutputSerializer,
        "Counts per local weekday and hour in each inbox's time zone.",
    )
    def get(self, request: Request) -> Response:
        scope = scope_of(request)
        board = board_of(scope)
        heat = figures.heatmaps(board)
        return Response(
            TrendHeatmapOutputSerializer(
                {
                    "period": period_data(scope),
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
    @figure_schema(
        "Recovery cases by agent, per 100 tickets handled and by hour",
        TrendAgentsOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        scope = scope_of(request)
        board = board_of(scope)
        return Response(
            TrendAgentsOutputSerializer(
                {"period": period_data(scope), "agents": figures.agent_rows(board)}
            ).data
        )


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
    @figure_schema(
        "Recovery cases per week by root cause and component, with change events",
        TrendWeeklyOutputSerializer,
        "Cases opened per local week. Components beyond the six largest are "
        "summed as `other`; cases without a post-mortem use the ticket's "
        "component.",
    )
    def get(self, request: Request) -> Response:
        scope = scope_of(request)
        board = board_of(scope)
        return Response(
            TrendWeeklyOutputSerializer(
                {
                    "period": period_data(scope),
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
    @figure_schema(
        "Compensation per week and per agent against limits; approval turnaround",
        TrendCompensationOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        scope = scope_of(request)
        board = board_of(scope, money=True)
        money = board.compensation
        return Response(
            TrendCompensationOutputSerializer(
                {
                    "period": period_data(scope),
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
    @figure_schema(
        "Recovery effectiveness: satisfaction, repeat failures, timings, promises",
        TrendEffectivenessOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        scope = scope_of(request)
        board = board_of(scope)
        return Response(
            TrendEffectivenessOutputSerializer(
                {
                    "period": period_data(scope),
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
    @figure_schema(
        "What stands out: cells and changes with more cases than expected",
        TrendSpikesOutputSerializer,
        "Empty when nothing stands out. See the README's Trends section for "
        "the tests and thresholds.",
    )
    def get(self, request: Request) -> Response:
        scope = scope_of(request)
        report = selectors.spikes_for(scope=scope)
        return Response(
            TrendSpikesOutputSerializer(
                {
                    "period": period_data(scope),
                    "compared": report.compared,
                    "thresholds": report.thresholds,
                    "spikes": figures.spike_items(report),
                }
            ).data
        )
