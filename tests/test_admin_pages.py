"""Every admin list and add page renders (widgets of the admin and of the
project share one form renderer)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MODEL_ADMINS = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


@pytest.mark.parametrize(("app_label", "model_name"), MODEL_ADMINS)
def test_admin_pages_of_every_model_render(client, app_label, model_name):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for page in ("changelist", "add"):
        url = reverse(f"admin:{app_label}_{model_name}_{page}")
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        if response.status_code == 200:
            assert b"<form" in response.content or page == "changelist"
