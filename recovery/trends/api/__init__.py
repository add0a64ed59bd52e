"""The trends API: JSON for each chart of the dashboard, the spike list,
change events (CRUD) and the post-mortem log.

Managers only: a user who manages no inbox gets 403, an inbox they do not
manage 404. Each figure takes the dashboard's filters (`inbox`, `days` or
`date_from`/`date_to`) and runs only the statements it needs.

The modules: `dashboard` (the figures and the spike list), `changes` and
`post_mortems`; `_common` has the filters and the period they share."""

from recovery.trends.api._common import (
    TrendFilterSerializer,
    TrendPeriodOutputSerializer,
)
from recovery.trends.api.changes import (
    ChangeEventDetailApi,
    ChangeEventListCreateApi,
    TrendChangeEventInputSerializer,
    TrendChangeEventOutputSerializer,
    TrendChangeEventUpdateInputSerializer,
)
from recovery.trends.api.dashboard import (
    TrendAgentsApi,
    TrendCompensationApi,
    TrendEffectivenessApi,
    TrendHeatmapApi,
    TrendSpikesApi,
    TrendWeeklyApi,
)
from recovery.trends.api.post_mortems import (
    PostMortemFilterSerializer,
    PostMortemListApi,
    TrendPostMortemOutputSerializer,
)

__all__ = [
    "ChangeEventDetailApi",
    "ChangeEventListCreateApi",
    "PostMortemFilterSerializer",
    "PostMortemListApi",
    "TrendAgentsApi",
    "TrendChangeEventInputSerializer",
    "TrendChangeEventOutputSerializer",
    "TrendChangeEventUpdateInputSerializer",
    "TrendCompensationApi",
    "TrendEffectivenessApi",
    "TrendFilterSerializer",
    "TrendHeatmapApi",
    "TrendPeriodOutputSerializer",
    "TrendPostMortemOutputSerializer",
    "TrendSpikesApi",
    "TrendWeeklyApi",
]
