"""Read-mostly admin for recovery cases: status and decisions only change
through the services (the agent and manager pages, or the API)."""

from django.contrib import admin

from recovery.models import (
    CaseEvent,
    ChoiceRequest,
    Offer,
    PostMortem,
    PromiseCheck,
    RecoveryCase,
)


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "kind", "from_status", "to_status", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class OfferInline(admin.TabularInline):
    model = Offer
    extra = 0
    can_delete = False
    fields = (
        "kind",
        "amount",
        "currency",
        "status",
        "created_by",
        "decided_by",
        "customer_answer",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RecoveryCase)
class RecoveryCaseAdmin(admin.ModelAdmin):
    # Created only through the services, which check and audit.
    def has_add_permission(self, request) -> bool:
        return False

    list_display = (
        "id",
        "ticket",
        "failure_type",
        "severity",
        "status",
        "owner",
        "opened_at",
    )
    list_filter = ("status", "failure_type", "severity", "ticket__inbox")
    search_fields = ("ticket__reference", "ticket__customer__email", "summary")
    list_select_related = ("ticket", "owner")
    raw_id_fields = ("ticket", "apology_message")
    readonly_fields = (
        "status",
        "status_changed_at",
        "escalated_from",
        "prior_failure_count",
        "opened_by",
        "opened_at",
        "acknowledged_at",
        "understood_at",
        "resolved_at",
        "followed_up_at",
        "documented_at",
        "closed_at",
        "substitute_delivered_at",
    )
    inlines = (OfferInline, CaseEventInline)


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    # Created only through the services, which check and audit.
    def has_add_permission(self, request) -> bool:
        return False

    list_display = (
        "id",
        "case",
        "kind",
        "amount",
        "currency",
        "status",
        "created_by",
        "decided_by",
        "created_at",
    )
    list_filter = ("status", "kind", "currency", "inbox")
    list_select_related = ("case", "created_by", "decided_by")
    raw_id_fields = ("case",)
    readonly_fields = (
        "status",
        "is_within_authority",
        "requested_amount",
        "decided_by",
        "decided_at",
        "customer_answer",
        "answered_at",
        "managers_notified_at",
        "maker_notified_at",
    )


@admin.register(ChoiceRequest)
class ChoiceRequestAdmin(admin.ModelAdmin):
    # Created only through the services, which check and audit.
    def has_add_permission(self, request) -> bool:
        return False

    list_display = ("id", "case", "status", "chosen_option", "sent_at", "chosen_at")
    list_filter = ("status", "chosen_option")
    raw_id_fields = ("case", "incentive_offer", "message")
    readonly_fields = (
        "status",
        "sent_at",
        "expires_at",
        "chosen_option",
        "chosen_at",
        "chosen_channel",
        "recorded_by",
        "owner_notified_at",
    )


@admin.register(PromiseCheck)
class PromiseCheckAdmin(admin.ModelAdmin):
    list_display = ("id", "case", "kind", "can_keep", "checked_by", "checked_at")
    raw_id_fields = ("case",)


@admin.register(PostMortem)
class PostMortemAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "case",
        "root_cause",
        "component",
        "is_preventable",
        "prevention_owner",
        "prevention_due_date",
    )
    list_filter = ("root_cause", "component", "is_preventable")
    raw_id_fields = ("case",)


# The trends' change events and reminders (recovery.trends.admin registers them).
from recovery.trends import admin as _trends_admin  # noqa: E402, F401
