"""The prevention action of a post-mortem: marked done (or not done after
all) by a member of the case's inbox, with an audit event on the case."""

from django.db import transaction
from django.utils import timezone

from recovery.models import CaseEvent, PostMortem
from recovery.services._base import User, _event, _require_member


@transaction.atomic
def post_mortem_prevention_done(
    *, post_mortem: PostMortem, actor: User, done: bool = True
) -> PostMortem:
    """Mark the prevention action done, or open again with `done=False`. A
    done action is not overdue, reminds nobody, and its reminders still
    waiting are completed. Marking it as it already is changes nothing."""
    from followups import services as followup_services
    from followups.models import FollowUp

    post_mortem = (
        PostMortem.objects.select_for_update(of=("self",))
        .select_related("case__ticket")
        .get(pk=post_mortem.pk)
    )
    case = post_mortem.case
    _require_member(case, actor)
    if post_mortem.is_prevention_done == done:
        return post_mortem
    post_mortem.prevention_done_at = timezone.now() if done else None
    post_mortem.save(update_fields=["prevention_done_at"])
    _event(
        case,
        kind=CaseEvent.Kind.PREVENTION_DONE
        if done
        else CaseEvent.Kind.PREVENTION_REOPENED,
        actor=actor,
        note=post_mortem.prevention_action,
    )
    if done:
        waiting = FollowUp.objects.filter(
            pk__in=post_mortem.reminders.exclude(followup_id=None).values(
                "followup_id"
            ),
            state__in=FollowUp.ACTIVE_STATES,
        )
        for followup in waiting:
            followup_services.followup_complete(followup=followup, actor=actor)
    return post_mortem
