"""Admin for configuration: inboxes, memberships and authority limits,
customers, components, mail sources; inbound mail and its quarantine. Ticket
status is read-only here; it changes through the services."""

import tempfile
import zipfile

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models.functions import Length
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from helpdesk.exceptions import DomainError
from tickets.mail import imap, intake, quarantine
from tickets.mail_views import raw_email_response, reprocess_outcome
from tickets.models import (
    AgentProfile,
    Component,
    Customer,
    InboundEmail,
    Inbox,
    MailSource,
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


# --- inbound mail and its quarantine -------------------------------------------


class HasErrorFilter(admin.SimpleListFilter):
    title = _("error")
    parameter_name = "has_error"

    def lookups(self, request, model_admin):
        return [("yes", _("With an error")), ("no", _("Without an error"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(error="")
        if self.value() == "no":
            return queryset.filter(error="")
        return queryset


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    """Every received email, read-only; quarantined ones can be downloaded
    and reprocessed. Nothing is added or deleted here."""

    list_display = [
        "id",
        "received_at",
        "inbox",
        "source",
        "status",
        "outcome",
        "sender",
        "subject",
        "reason",
        "ticket",
    ]
    list_filter = ["status", "outcome", HasErrorFilter, "source", "inbox"]
    list_select_related = ["inbox", "ticket"]
    search_fields = ["=message_id", "=content_sha256"]
    show_full_result_count = False
    actions = ["download_raw", "reprocess"]
    fields = [
        "inbox",
        "source",
        "received_at",
        "status",
        "outcome",
        "error",
        "ticket",
        "result_message",
        "processed_at",
        "attempts",
        "message_id",
        "content_sha256",
        "sender",
        "subject",
        "date",
        "raw_size",
        "raw_download",
        "raw_headers",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        # Never load whole raw messages for a list; the head has the headers.
        return (
            super()
            .get_queryset(request)
            .defer("raw")
            .annotate(raw_head=quarantine.RawHead(), raw_length=Length("raw"))
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("tickets.change_inboundemail")

    def get_urls(self):
        raw = path(
            "<int:object_id>/raw/",
            self.admin_site.admin_view(self.raw_view),
            name="tickets_inboundemail_raw",
        )
        return [raw, *super().get_urls()]

    def raw_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The exact stored bytes of one email, as an .eml download."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return raw_email_response(get_object_or_404(InboundEmail, pk=object_id))

    def _summary(self, obj: InboundEmail) -> quarantine.RawSummary:
        if not hasattr(obj, "_summary_cache"):
            obj._summary_cache = quarantine.raw_summary(getattr(obj, "raw_head", b""))
        return obj._summary_cache

    @admin.display(description=_("from"))
    def sender(self, obj: InboundEmail) -> str:
        return self._summary(obj).sender

    @admin.display(description=_("subject"))
    def subject(self, obj: InboundEmail) -> str:
        return self._summary(obj).subject

    @admin.display(description=_("date header"))
    def date(self, obj: InboundEmail) -> str:
        return self._summary(obj).date

    @admin.display(description=_("reason"))
    def reason(self, obj: InboundEmail) -> str:
        text = quarantine.error_reason(obj.error)
        return text[:120] + "…" if len(text) > 120 else text

    @admin.display(description=_("raw size (bytes)"))
    def raw_size(self, obj: InboundEmail) -> int:
        return getattr(obj, "raw_length", 0) or 0

    @admin.display(description=_("raw message"))
    def raw_download(self, obj: InboundEmail) -> str:
        url = reverse("admin:tickets_inboundemail_raw", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, quarantine.raw_filename(obj))

    @admin.display(description=_("raw headers"))
    def raw_headers(self, obj: InboundEmail) -> str:
        head = bytes(getattr(obj, "raw_head", b"") or b"")
        end = head.find(b"\r\n\r\n")
        end = head.find(b"\n\n") if end < 0 else end
        text = head[: end if end >= 0 else None].decode("utf-8", "replace")
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', text)

    @admin.action(description=_("Download raw messages (.eml, or .zip for several)"))
    def download_raw(self, request: HttpRequest, queryset) -> HttpResponse:
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:500])
        if len(ids) == 1:
            return raw_email_response(InboundEmail.objects.get(pk=ids[0]))
        # Spooled: a few large messages go to disk rather than memory.
        buffer = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for pk in ids:
                row = InboundEmail.objects.only("raw").get(pk=pk)
                archive.writestr(quarantine.raw_filename(row), bytes(row.raw))
        buffer.seek(0)
        return FileResponse(buffer, as_attachment=True, filename="inbound-emails.zip")

    @admin.action(
        description=_("Reprocess quarantined messages"),
        permissions=["reprocess"],
    )
    def reprocess(self, request: HttpRequest, queryset) -> None:
        ids = queryset.filter(status=InboundEmail.Status.QUARANTINED).values_list(
            "pk", flat=True
        )
        skipped = queryset.count() - len(ids)
        for inbound_id in list(ids):
            try:
                row = intake.email_reprocess(inbound_id=inbound_id)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            level, text = reprocess_outcome(row)
            self.message_user(request, f"#{row.pk}: {text}", level)
        if skipped:
            self.message_user(
                request,
                _(
                    "%(count)s selected messages were not quarantined; "
                    "they were left as they are."
                )
                % {"count": skipped},
                messages.WARNING,
            )


class MailSourceForm(forms.ModelForm):
    """The password is write-only: never rendered back, kept when left empty."""

    secret = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "new-password"}
        ),
        help_text=_(
            "Stored encrypted. Leave empty to keep the stored one. For Gmail or "
            "Microsoft 365, use an app password."
        ),
    )

    class Meta:
        model = MailSource
        fields = [
            "inbox",
            "is_enabled",
            "host",
            "port",
            "tls_mode",
            "username",
            "folder",
            "poll_interval",
            "after_import",
            "move_to_folder",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("secret") and not self.instance.has_secret:
            self.add_error("secret", _("Enter the mailbox password."))
        return cleaned

    def save(self, commit: bool = True) -> MailSource:
        source = super().save(commit=False)
        if self.cleaned_data.get("secret"):
            source.set_secret(self.cleaned_data["secret"])
        # Another mailbox numbers its messages differently: start over there.
        if source.pk and {"host", "port", "username", "folder"} & set(
            self.changed_data
        ):
            source.uid_validity, source.last_uid = None, 0
        if commit:
            source.save()
        return source


@admin.register(MailSource)
class MailSourceAdmin(admin.ModelAdmin):
    form = MailSourceForm
    list_display = [
        "__str__",
        "inbox",
        "is_enabled",
        "poll_interval",
        "after_import",
        "last_polled_at",
        "state",
    ]
    list_filter = ["is_enabled", "inbox", "tls_mode", "after_import"]
    list_select_related = ["inbox"]
    search_fields = ["host", "username", "folder", "inbox__name"]
    actions = ["test_connection", "poll_now"]
    readonly_fields = [
        "secret_state",
        "last_polled_at",
        "last_success_at",
        "last_error",
        "last_error_at",
        "uid_validity",
        "last_uid",
    ]
    fieldsets = [
        (None, {"fields": ["inbox", "is_enabled"]}),
        (
            _("Server"),
            {
                "fields": [
                    "host",
                    "port",
                    "tls_mode",
                    "username",
                    "secret",
                    "secret_state",
                ]
            },
        ),
        (
            _("Mailbox"),
            {"fields": ["folder", "poll_interval", "after_import", "move_to_folder"]},
        ),
        (
            _("State"),
            {
                "fields": [
                    "last_polled_at",
                    "last_success_at",
                    "last_error",
                    "last_error_at",
                    "uid_validity",
                    "last_uid",
                ]
            },
        ),
    ]

    @admin.display(description=_("password"))
    def secret_state(self, obj: MailSource) -> str:
        return _("stored, encrypted") if obj.has_secret else _("none")

    @admin.display(description=_("state"))
    def state(self, obj: MailSource):
        if obj.last_error:
            return format_html(
                '<span style="color: #b91c1c">{}</span>', obj.last_error[:200]
            )
        if obj.last_success_at:
            return _("OK")
        return _("not polled yet")

    @admin.action(description=_("Test connection"))
    def test_connection(self, request: HttpRequest, queryset) -> None:
        for source in queryset.select_related("inbox"):
            try:
                note = imap.mail_source_test(source=source)
            except Exception as exc:
                reason = imap.describe_error(exc, source)
                self.message_user(request, f"{source}: {reason}", messages.ERROR)
            else:
                self.message_user(request, note, messages.SUCCESS)

    @admin.action(description=_("Poll now"))
    def poll_now(self, request: HttpRequest, queryset) -> None:
        from tickets.tasks import imap_poll_task

        for source in queryset.filter(is_enabled=True):
            imap_poll_task.delay(source_id=source.pk)
        self.message_user(
            request,
            _("A poll is queued for each selected enabled source."),
            messages.SUCCESS,
        )
