"""The API views' base: OpenAPI component names for their serializers, and
the user's language and time zone once the API has authenticated them."""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework.views import APIView

from tickets.middleware import activate_profile


class ApiAutoSchema(AutoSchema):
    """Names `TicketTransitionApi.InputSerializer` "TicketTransitionInput", so
    every view may call its serializer `InputSerializer` without collisions,
    and `TicketOutputSerializer` plainly "Ticket"."""

    def get_serializer_name(self, serializer: Any, direction: str) -> str:
        outer, _, inner = type(serializer).__qualname__.rpartition(".")
        if outer.endswith("Api"):
            return outer.removesuffix("Api") + inner
        return inner.removesuffix("OutputSerializer") or inner


# Base of the API views. No docstring: OpenAPI would show it on every operation.
class Api(APIView):
    # drf-spectacular combines this with each method's @extend_schema.
    schema = ApiAutoSchema()

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # A token client is known only now, after the middleware ran: its
        # profile's language and time zone apply as they do for a session.
        activate_profile(request)
