from django.urls import path

from recovery.trends import views

app_name = "trends"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("changes/", views.change_event_create, name="change-create"),
    path(
        "changes/<int:change_id>/delete/",
        views.change_event_delete,
        name="change-delete",
    ),
    path("post-mortems/", views.post_mortem_log, name="post-mortems"),
    path("post-mortems.csv", views.post_mortem_csv, name="post-mortems-csv"),
    path(
        "post-mortems/<int:post_mortem_id>/prevention/",
        views.prevention_done,
        name="prevention-done",
    ),
]
