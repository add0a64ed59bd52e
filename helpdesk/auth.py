"""Signing in with Django's model backend; a signed-in request's user comes
with their profile, whose language and time zone every page needs."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ProfileModelBackend(ModelBackend):
    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("agent_profile")
        user = users.filter(pk=user_id).first()
        return user if user and self.user_can_authenticate(user) else None
