"""Admin for change events (admins may record them too) and the read-only
list of prevention reminders sent."""

from django.contrib import admin

from recovery.trends.models import ChangeEvent, PreventionReminder


@admin.register(ChangeEvent)
class ChangeEventAdmin(admin.ModelAdmin):
    list_display = ("happened_at", "title", "kind", "component", "inbox", "created_by")
    list_filter = ("inbox", "kind", "component")
    search_fields = ("title", "notes")
    date_hierarchy = "happened_at"
    readonly_fields = ("created_by", "created_at")
    fields = (
        "inbox",
        "kind",
        "component",
        "title",
        "happened_at",
        "notes",
        "created_by",
        "created_at",
    )

    def save_model(self, request, obj, form, change) -> None:
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PreventionReminder)
class PreventionReminderAdmin(admin.ModelAdmin):
    # Written by the reminder scan only.
    list_display = ("post_mortem", "due_date", "followup_id", "created_at")
    readonly_fields = list_display
    list_select_related = ("post_mortem",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
