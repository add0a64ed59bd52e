from django.urls import path

from followups import views

app_name = "followups"
urlpatterns = [
    path("", views.followup_mine, name="followup-mine"),
    path("t/<str:reference>/new/", views.followup_create, name="followup-create"),
    path("<int:followup_id>/snooze/", views.followup_snooze, name="followup-snooze"),
    path(
        "<int:followup_id>/complete/",
        views.followup_complete,
        name="followup-complete",
    ),
    path("<int:followup_id>/cancel/", views.followup_cancel, name="followup-cancel"),
    path("promises/overdue/", views.promise_overdue, name="promise-overdue"),
    path(
        "promises/t/<str:reference>/new/",
        views.promise_create,
        name="promise-create",
    ),
    path("promises/<int:promise_id>/keep/", views.promise_keep, name="promise-keep"),
    path(
        "promises/<int:promise_id>/withdraw/",
        views.promise_withdraw,
        name="promise-withdraw",
    ),
    path(
        "promises/<int:promise_id>/delay-notice/",
        views.promise_delay_notice,
        name="promise-delay-notice",
    ),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read/", views.notification_read, name="notification-read"),
    path(
        "notifications/<int:notification_id>/open/",
        views.notification_open,
        name="notification-open",
    ),
]
