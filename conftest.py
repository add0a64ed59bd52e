"""Shared fixtures: a few named actors built from the factories."""

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.utils import translation

from helpdesk.celery import app as celery_app
from tickets.models import Membership
from tickets.tests.factories import InboxFactory, MembershipFactory, TicketFactory

pytest_plugins = ["tests.plugins.realparts"]


@pytest.fixture(scope="session", autouse=True)
def _plain_http():
    """Tests talk plain HTTP whatever DEBUG says; session-wide because the live
    server builds its middleware once, before per-test overrides apply."""
    with override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0):
        yield


@pytest.fixture(autouse=True)
def _fast_settings(settings, tmp_path):
    # Each test starts in English; a request may have switched the thread.
    translation.activate("en")
    # Tasks run in-process unless a test starts a real worker.
    celery_app.conf.task_always_eager = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Rendered messages are cached per process; each test starts without them.
    caches["fragments"].clear()


@pytest.fixture
def inbox(db):
    return InboxFactory(name="Support", slug="support", reference_prefix="SUP")


@pytest.fixture
def agent(inbox):
    return MembershipFactory(inbox=inbox, user__username="alex").user


@pytest.fixture
def manager(inbox):
    return MembershipFactory(
        inbox=inbox, user__username="maria", role=Membership.Role.MANAGER
    ).user


@pytest.fixture
def ticket(inbox):
    return TicketFactory(inbox=inbox)
