"""The post-mortem log: post-mortems of the inboxes a manager manages,
filtered and searched."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from recovery.models import PostMortem
from recovery.trends.selectors.scope import User, managed_inbox_ids, managed_inboxes


@dataclass(frozen=True)
class PostMortemFilters:
    inbox: str | None = None  # slug
    root_cause: str | None = None
    component: int | None = None
    owner: int | None = None
    overdue: bool = False
    q: str = ""

    @classmethod
    def from_params(cls, params: Any) -> "PostMortemFilters":
        def number(name: str) -> int | None:
            value = str(params.get(name) or "")
            return int(value) if value.isdigit() else None

        cause = params.get("root_cause") or None
        return cls(
            inbox=params.get("inbox") or None,
            root_cause=cause if cause in PostMortem.RootCause.values else None,
            component=number("component"),
            owner=number("owner"),
            overdue=str(params.get("overdue") or "") in ("1", "true", "on", "yes"),
            q=str(params.get("q") or "").strip()[:200],
        )


def post_mortem_list_for_manager(
    *, user: User, filters: PostMortemFilters | None = None, today: date | None = None
) -> QuerySet[PostMortem]:
    """Post-mortems of the inboxes the user manages, newest first; 403 unless
    they manage one."""
    if not managed_inboxes(user=user):
        raise PermissionDenied(_("Managers only."))
    f = filters or PostMortemFilters()
    qs = PostMortem.objects.filter(case__ticket__inbox_id__in=managed_inbox_ids(user))
    if f.inbox:
        qs = qs.filter(case__ticket__inbox__slug=f.inbox)
    if f.root_cause:
        qs = qs.filter(root_cause=f.root_cause)
    if f.component:
        qs = qs.filter(component_id=f.component)
    if f.owner:
        qs = qs.filter(prevention_owner_id=f.owner)
    if f.overdue:
        qs = qs.filter(
            prevention_due_date__lt=today or timezone.localdate(),
            prevention_done_at__isnull=True,
        )
    if f.q:
        qs = qs.filter(
            Q(prevention_action__icontains=f.q)
            | Q(chain_of_events__icontains=f.q)
            | Q(case__summary__icontains=f.q)
            | Q(case__ticket__reference__iexact=f.q)
        )
    return qs.select_related(
        "case__ticket__inbox",
        "case__ticket__customer",
        "component",
        "prevention_owner",
        "written_by",
    ).order_by("-created_at", "-id")


def post_mortem_get_for_member(*, user: User, post_mortem_id: int) -> PostMortem:
    """The post-mortem if the user is a member of its case's inbox, else 404."""
    found = (
        PostMortem.objects.filter(
            pk=post_mortem_id,
            case__ticket__inbox__memberships__user_id=user.pk,
        )
        .select_related("case__ticket")
        .first()
    )
    if found is None:
        raise Http404(_("No such post-mortem."))
    return found
