"""Customer pages, reached through signed links in emails (no login)."""

from django.urls import path

from followups import views

app_name = "followups-survey"
urlpatterns = [
    path("<str:token>/", views.survey, name="survey"),
]
