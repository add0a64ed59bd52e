"""Every write on promises, follow-ups, satisfaction answers and notifications.

Each service owns its transaction (or says it runs in the caller's), locks
what it changes and writes an event row for every state change; the state
fields have one writer each in `_base`."""

from followups.services.hooks import (
    case_resolved,
    ticket_acknowledged,
    ticket_replied,
    ticket_reply_with_update,
    ticket_status_changing,
)
from followups.services.notifications import (
    notification_digest_send,
    notification_mark_read,
)
from followups.services.promises import (
    promise_create,
    promise_keep,
    promise_record_first_response,
    promise_renegotiate,
    promise_scan,
    promise_send_delay_notice,
    promise_update,
    promise_withdraw,
)
from followups.services.satisfaction import satisfaction_record
from followups.services.schedule import (
    followup_cancel,
    followup_complete,
    followup_schedule,
    followup_schedule_update,
    followup_snooze,
    followups_schedule_after_resolution,
)
from followups.services.settings import inbox_settings_update

__all__ = [
    "case_resolved",
    "followup_cancel",
    "followup_complete",
    "followup_schedule",
    "followup_schedule_update",
    "followup_snooze",
    "followups_schedule_after_resolution",
    "inbox_settings_update",
    "notification_digest_send",
    "notification_mark_read",
    "promise_create",
    "promise_keep",
    "promise_record_first_response",
    "promise_renegotiate",
    "promise_scan",
    "promise_send_delay_notice",
    "promise_update",
    "promise_withdraw",
    "satisfaction_record",
    "ticket_acknowledged",
    "ticket_replied",
    "ticket_reply_with_update",
    "ticket_status_changing",
]
