from django.urls import path

from recovery.trends import api

app_name = "trends-api"
urlpatterns = [
    path("heatmap/", api.TrendHeatmapApi.as_view(), name="heatmap"),
    path("agents/", api.TrendAgentsApi.as_view(), name="agents"),
    path("weekly/", api.TrendWeeklyApi.as_view(), name="weekly"),
    path("compensation/", api.TrendCompensationApi.as_view(), name="compensation"),
    path("effectiveness/", api.TrendEffectivenessApi.as_view(), name="effectiveness"),
    path("spikes/", api.TrendSpikesApi.as_view(), name="spikes"),
    path(
        "change-events/",
        api.ChangeEventListCreateApi.as_view(),
        name="change-event-list",
    ),
    path(
        "change-events/<int:change_id>/",
        api.ChangeEventDetailApi.as_view(),
        name="change-event-detail",
    ),
    path("post-mortems/", api.PostMortemListApi.as_view(), name="post-mortems"),
]
