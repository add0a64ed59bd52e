from django.urls import path, re_path

from followups.api import views
from tickets.api.views import api_not_found

app_name = "followups-api"
urlpatterns = [
    path("", views.FollowUpListCreateApi.as_view(), name="followup-list"),
    path(
        "<int:followup_id>/", views.FollowUpDetailApi.as_view(), name="followup-detail"
    ),
    path(
        "<int:followup_id>/snooze/",
        views.FollowUpSnoozeApi.as_view(),
        name="followup-snooze",
    ),
    path(
        "<int:followup_id>/complete/",
        views.FollowUpCompleteApi.as_view(),
        name="followup-complete",
    ),
    path(
        "<int:followup_id>/cancel/",
        views.FollowUpCancelApi.as_view(),
        name="followup-cancel",
    ),
    path("promises/", views.PromiseListCreateApi.as_view(), name="promise-list"),
    path(
        "promises/<int:promise_id>/",
        views.PromiseDetailApi.as_view(),
        name="promise-detail",
    ),
    path(
        "promises/<int:promise_id>/keep/",
        views.PromiseKeepApi.as_view(),
        name="promise-keep",
    ),
    path(
        "promises/<int:promise_id>/renegotiate/",
        views.PromiseRenegotiateApi.as_view(),
        name="promise-renegotiate",
    ),
    path(
        "promises/<int:promise_id>/delay-notice/",
        views.PromiseDelayNoticeApi.as_view(),
        name="promise-delay-notice",
    ),
    path(
        "notifications/",
        views.NotificationListApi.as_view(),
        name="notification-list",
    ),
    path(
        "notifications/read/",
        views.NotificationReadApi.as_view(),
        name="notification-read",
    ),
    # Anything else under the prefix answers JSON, not the HTML error page.
    re_path(r"^(?P<path>.*)$", api_not_found, name="not-found"),
]
