"""Every write on recovery cases, offers, choices and post-mortems (and
their prevention actions).

Each service owns its transaction, locks what it changes, writes a CaseEvent
for every change and sends email only after commit. `_set_status` in
`_base` is the one writer of a case's status."""

from recovery.services.cases import (
    case_acknowledge,
    case_close,
    case_document,
    case_escalate,
    case_open,
    case_record_satisfaction,
    case_resolve,
    case_return,
    case_understand,
)
from recovery.services.offers import (
    NotAManager,
    authority_decision,
    offer_answer,
    offer_approve,
    offer_create,
    offer_notify_maker,
    offer_notify_managers,
    offer_reject,
    offer_withdraw,
)
from recovery.services.post_mortems import post_mortem_prevention_done
from recovery.services.promises import (
    case_mark_substitute_delivered,
    case_prepare_options,
    case_record_check,
    case_send_options,
    case_withdraw_options,
    choice_notify_owner,
    choice_record,
)

__all__ = [
    "NotAManager",
    "authority_decision",
    "case_acknowledge",
    "case_close",
    "case_document",
    "case_escalate",
    "case_mark_substitute_delivered",
    "case_open",
    "case_prepare_options",
    "case_record_check",
    "case_record_satisfaction",
    "case_resolve",
    "case_return",
    "case_send_options",
    "case_understand",
    "case_withdraw_options",
    "choice_notify_owner",
    "choice_record",
    "offer_answer",
    "offer_approve",
    "offer_create",
    "offer_notify_maker",
    "offer_notify_managers",
    "offer_reject",
    "offer_withdraw",
    "post_mortem_prevention_done",
]
