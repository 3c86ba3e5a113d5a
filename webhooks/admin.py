"""Webhooks in the admin: endpoints (with their secret, rotation and a test event), events and the
delivery log with "Send again". For the organisation's admins only (superusers and every-clinic
Clinic admins): an endpoint can receive every clinic's events."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from clinics.roles import is_organisation_admin
from webhooks import delivery, ssrf
from webhooks.models import EVENT_CHOICES, TEST_EVENT, Attempt, Delivery, Endpoint, Event, new_secret

ROTATION_OVERLAP = datetime.timedelta(hours=24)


class OrganisationAdminOnly:
    def has_module_permission(self, request):
        return is_organisation_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_organisation_admin(request.user)

    def has_add_permission(self, request, *args):
        return is_organisation_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_organisation_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_organisation_admin(request.user)


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        max_length=500,
        assume_scheme="https",
        help_text="Where events are POSTed: https, on a public address.",
    )
    events = forms.MultipleChoiceField(
        choices=EVENT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The event types to send. None ticked: every type.",
    )

    class Meta:
        model = Endpoint
        fields = ["name", "url", "events", "clinics", "is_active"]
        widgets = {"clinics": forms.CheckboxSelectMultiple}

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        try:
            ssrf.check_url(url)
        except ssrf.RefusedDestination as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return url


@admin.register(Endpoint)
class EndpointAdmin(OrganisationAdminOnly, admin.ModelAdmin):
    form = EndpointForm
    list_display = ["name", "url", "is_active", "health", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = ["signing_secret", "failing_since"]
    actions = ["rotate_secret", "send_test_event"]

    def get_fields(self, request, obj=None):
        fields = ["name", "url", "events", "clinics", "is_active"]
        return fields + (["signing_secret", "failing_since"] if obj else [])

    @admin.display(description="Health")
    def health(self, endpoint):
        if endpoint.failing_since:
            return format_html(
                '<strong style="color:#ba2121">Failing since {}</strong>', endpoint.failing_since
            )
        return "OK"

    @admin.display(description="Signing secret")
    def signing_secret(self, endpoint):
        previous = ""
        if (
            endpoint.previous_secret
            and endpoint.previous_secret_until
            and endpoint.previous_secret_until > timezone.now()
        ):
            previous = format_html(
                "<br>The previous secret also signs until {} (rotation overlap).",
                endpoint.previous_secret_until,
            )
        return format_html(
            "<code>{}</code>{}<br>Verify each request's <code>webhook-signature</code> with it "
            "(the README shows how, in Python and Node).",
            endpoint.secret,
            previous,
        )

    def changelist_view(self, request, extra_context=None):
        failing = Endpoint.objects.filter(failing_since__isnull=False, is_active=True)
        for endpoint in failing:
            messages.warning(
                request,
                f"Webhook endpoint “{endpoint.name}” is failing: deliveries gave up after "
                "a day of retries. See its deliveries, fix the receiver, then send them again.",
            )
        return super().changelist_view(request, extra_context)

    @admin.action(description="Rotate the signing secret (the old one keeps signing for 24 hours)")
    def rotate_secret(self, request, queryset):
        now = timezone.now()
        for endpoint in queryset:
            endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, now + ROTATION_OVERLAP
            endpoint.secret = new_secret()
            endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
        self.message_user(
            request, f"Rotated {queryset.count()} secret(s). Update your receivers within 24 hours."
        )

    @admin.action(description="Send a test event (webhook.test) now")
    def send_test_event(self, request, queryset):
        now = timezone.now()
        for endpoint in queryset:
            event = Event.objects.create(
                type=TEST_EVENT,
                payload={
                    "type": "webhook.test",
                    "timestamp": now.isoformat(),
                    "data": {"endpoint": endpoint.name},
                },
            )
            row = Delivery.objects.create(event=event, endpoint=endpoint)
            delivery.send_delivery.enqueue(row.pk)
        self.message_user(request, "Test events queued: see Deliveries for the result.")


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = [
        "number",
        "started_at",
        "succeeded",
        "status_code",
        "duration_ms",
        "response_excerpt",
        "error",
        "is_resend",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(OrganisationAdminOnly, admin.ModelAdmin):
    list_display = [
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "endpoint"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = [
        "event",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "payload",
    ]
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["send_again"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        # Read-only log; "Send again" is an action (it needs the view permission only).
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("attempt_log")

    @admin.display(description="Event")
    def event_type(self, row):
        return row.event.type

    @admin.display(description="Last response")
    def last_code(self, row):
        last = next(iter(row.attempt_log.all()), None)
        if last is None:
            return "–"
        return last.status_code or (last.error[:60] if last.error else "–")

    @admin.display(description="Payload")
    def payload(self, row):
        return format_html("<pre>{}</pre>", delivery.body_of(row.event.payload, row.event.event_id).decode())

    @admin.action(description="Send again now")
    def send_again(self, request, queryset):
        count = delivery.resend(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} delivery(ies) queued to be sent again.")


@admin.register(Event)
class EventAdmin(OrganisationAdminOnly, admin.ModelAdmin):
    list_display = ["type", "subject", "clinic", "created_at", "event_id"]
    list_filter = ["type"]
    list_select_related = ["clinic"]
    readonly_fields = ["event_id", "type", "subject", "clinic", "created_at", "payload"]
    fields = readonly_fields

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
