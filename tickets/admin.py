"""Admin for configuration: inboxes, memberships and authority limits,
customers, components. Ticket status is read-only here; it changes through
the services."""

from django.contrib import admin

from tickets.models import (
    AgentProfile,
    Component,
    Customer,
    Inbox,
    Membership,
    OutboundEmail,
    Ticket,
    TicketEvent,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = [
        "user",
        "role",
        "per_offer_limit_amount",
        "per_month_limit_amount",
        "currency",
        "is_away",
        "open_ticket_cap",
    ]


@admin.register(Inbox)
class InboxAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "email_address",
        "reference_prefix",
        "expected_first_response",
        "auto_assign",
    ]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "email_address"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "inbox",
        "role",
        "per_offer_limit_amount",
        "per_month_limit_amount",
        "currency",
        "is_away",
    ]
    list_filter = ["inbox", "role", "is_away"]
    autocomplete_fields = ["user"]
    search_fields = ["user__username", "user__email", "inbox__name"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "preferred_channel", "language", "created_at"]
    list_filter = ["preferred_channel", "language"]
    search_fields = ["email", "name", "phone"]


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "language", "time_zone"]


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor", "kind", "from_value", "to_value", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["reference", "subject", "inbox", "status", "priority", "assignee"]
    list_filter = ["inbox", "status", "priority"]
    search_fields = ["reference", "subject", "customer__email"]
    list_select_related = ["inbox", "assignee"]
    show_full_result_count = False
    raw_id_fields = ["customer", "assignee", "linked_to"]
    readonly_fields = [
        "reference",
        "status",
        "assignee",
        "created_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
    ]
    inlines = [TicketEventInline]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["message", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]
