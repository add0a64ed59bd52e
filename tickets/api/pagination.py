"""Cursor pagination for API lists: no COUNT(*), one query per page."""

from django.db.models import QuerySet
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView


class ApiPagination(CursorPagination):
    """Keyset pages with `next`/`previous` links; depth costs nothing."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class TicketPagination(ApiPagination):
    # Matches the list indexes: latest activity first, id breaks ties.
    ordering = ("-updated_at", "-id")


class ThreadPagination(ApiPagination):
    """Messages and events of one ticket, oldest first."""

    ordering = ("created_at", "id")


class CustomerPagination(ApiPagination):
    # Unique and backed by the primary key, so a cursor never needs an offset.
    ordering = ("-id",)


def paginated_response(
    *,
    pagination_class: type[ApiPagination],
    serializer_class: type[Serializer],
    queryset: QuerySet,
    request: Request,
    view: APIView,
) -> Response:
    """One page of `queryset` rendered with `serializer_class`."""
    paginator = pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
