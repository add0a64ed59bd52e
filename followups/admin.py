"""Admin: per-inbox settings are edited here (through the service, so running
promises get new warning times); promises, follow-ups and answers are read
here, states read-only, and the actions call the services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from followups import services
from followups.models import (
    WEEKDAYS,
    FollowUp,
    FollowUpEvent,
    InboxFollowupSettings,
    Notification,
    Promise,
    PromiseEvent,
    SatisfactionAnswer,
)
from followups.services.settings import clean_business_hours, clean_warning_windows
from helpdesk.exceptions import DomainError


class InboxFollowupSettingsForm(forms.ModelForm):
    class Meta:
        model = InboxFollowupSettings
        fields = (
            "inbox",
            "warning_windows",
            "work_starts",
            "work_ends",
            "workdays",
            "holidays",
            "satisfaction_delay",
            "check_back_delay",
            "update_reminder_lead",
        )

    workdays = forms.TypedMultipleChoiceField(
        label=_("working days"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_warning_windows(self) -> dict:
        try:
            return clean_warning_windows(self.cleaned_data["warning_windows"])
        except DomainError as exc:
            raise ValidationError(exc.message) from None

    def clean(self) -> dict:
        data = super().clean()
        if {"work_starts", "work_ends", "workdays"} <= data.keys():
            try:
                clean_business_hours(
                    starts=data["work_starts"],
                    ends=data["work_ends"],
                    workdays=data["workdays"],
                )
            except DomainError as exc:
                raise ValidationError(exc.message) from None
        return data


@admin.register(InboxFollowupSettings)
class InboxFollowupSettingsAdmin(admin.ModelAdmin):
    form = InboxFollowupSettingsForm
    list_display = (
        "inbox",
        "satisfaction_delay",
        "check_back_delay",
        "update_reminder_lead",
    )

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple:
        return ("inbox",) if obj else ()

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        services.inbox_settings_update(
            inbox=obj.inbox,
            actor=request.user,
            warning_windows=obj.warning_windows,
            satisfaction_delay=obj.satisfaction_delay,
            check_back_delay=obj.check_back_delay,
            update_reminder_lead=obj.update_reminder_lead,
            work_starts=obj.work_starts,
            work_ends=obj.work_ends,
            workdays=obj.workdays,
            holidays=obj.holidays,
        )


class PromiseEventInline(admin.TabularInline):
    model = PromiseEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "from_state", "to_state", "due_at", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Promise)
class PromiseAdmin(admin.ModelAdmin):
    list_display = ("ticket", "kind", "what", "due_at", "state")
    list_filter = ("state", "kind", "ticket__inbox")
    search_fields = ("ticket__reference", "what")
    list_select_related = ("ticket",)
    raw_id_fields = ("ticket", "created_by", "source_message")
    readonly_fields = (
        "ticket",
        "kind",
        "due_at",
        "original_due_at",
        "warn_at",
        "state",
        "state_changed_at",
        "renegotiation_count",
        "created_by",
        "source_message",
        "created_at",
        "kept_at",
        "broken_at",
    )
    inlines = (PromiseEventInline,)
    actions = ("mark_kept",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Mark selected promises kept"))
    def mark_kept(self, request: HttpRequest, queryset: QuerySet[Promise]) -> None:
        done = 0
        for promise in queryset:
            try:
                services.promise_keep(promise=promise, actor=request.user)
                done += 1
            except DomainError as exc:
                messages.warning(request, f"{promise}: {exc.message}")
        messages.success(request, _("%(count)d marked kept.") % {"count": done})


class FollowUpEventInline(admin.TabularInline):
    model = FollowUpEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "from_state", "to_state", "due_at", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ("ticket", "kind", "channel", "due_at", "owner", "state", "late_by")
    list_filter = ("state", "kind", "channel", "ticket__inbox")
    search_fields = ("ticket__reference", "note")
    list_select_related = ("ticket", "owner")
    raw_id_fields = ("ticket", "owner", "created_by", "done_by", "message")
    readonly_fields = (
        "ticket",
        "case_id",
        "kind",
        "channel",
        "due_at",
        "state",
        "created_by",
        "created_at",
        "claimed_at",
        "fired_at",
        "late_by",
        "done_at",
        "done_by",
        "message",
        "snooze_count",
    )
    exclude = ("link_nonce",)
    inlines = (FollowUpEventInline,)
    actions = ("cancel",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Cancel selected follow-ups"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[FollowUp]) -> None:
        done = 0
        for followup in queryset:
            try:
                services.followup_cancel(followup=followup, actor=request.user)
                done += 1
            except DomainError as exc:
                messages.warning(request, f"{followup}: {exc.message}")
        messages.success(request, _("%(count)d cancelled.") % {"count": done})


@admin.register(SatisfactionAnswer)
class SatisfactionAnswerAdmin(admin.ModelAdmin):
    list_display = ("followup", "score", "channel", "answered_at", "change_count")
    list_filter = ("score", "channel")
    raw_id_fields = ("followup",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "recipient",
        "kind",
        "ticket",
        "created_at",
        "read_at",
        "emailed_at",
    )
    list_filter = ("kind",)
    list_select_related = ("recipient", "ticket")
    raw_id_fields = ("recipient", "ticket", "promise", "followup")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
