from fractions import Fraction

from adminsortable2.admin import SortableAdminBase, SortableTabularInline
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone

from clinics import api_keys, roles
from clinics.models import ApiKey, Clinic, ContactLink, Membership
from clinics.roles import ClinicScopedAdmin
from clinics.validators import RATE
from cms.lib.admin import RetryOnUniqueRace


class ContactLinkInline(SortableTabularInline):
    model = ContactLink
    extra = 0
    fields = ["kind", "label", "url"]


class MembershipInline(admin.TabularInline):
    """The clinic's people and their roles: managed by the clinic's admins."""

    model = Membership
    extra = 0
    fields = ["user", "role"]
    verbose_name = "person"
    verbose_name_plural = "people and their roles"

    def _may(self, request, action, obj):
        # Without the clinic (Django asks so when loading the rows): the role anywhere; the page
        # itself is reached only for the user's own clinics, and every row is checked with it.
        return request.user.has_perm(f"clinics.{action}_membership", obj)

    def has_view_permission(self, request, obj=None):
        return self._may(request, "view", obj) or self._may(request, "change", obj)

    def has_add_permission(self, request, obj=None):
        return self._may(request, "add", obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, "delete", obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # People this admin manages, and those already in this clinic (so the page saves).
            clinic_id = (request.resolver_match.kwargs if request.resolver_match else {}).get("object_id")
            members = Q(memberships__clinic_id=clinic_id) if clinic_id and clinic_id.isdigit() else Q(pk=None)
            manageable = roles.manageable_users(request.user).values("pk")
            kwargs["queryset"] = get_user_model().objects.filter(Q(pk__in=manageable) | members).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Clinic)
class ClinicAdmin(ClinicScopedAdmin, RetryOnUniqueRace, SortableAdminBase, admin.ModelAdmin):
    list_display = ["name", "city", "region", "specialty", "updated_at"]
    search_fields = ["name", "city", "specialty"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ContactLinkInline, MembershipInline]
    clinic_field = "pk"
    # A website typed without a scheme ("clinic.example") becomes https://, not http://.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "specialty", "default_language"]}),
        ("Address", {"fields": ["street_address", "city", "region", "postal_code", "country"]}),
        ("Contact", {"fields": ["phone", "email", "website"]}),
        (
            "Front end",
            {
                "fields": ["is_public", "article_url_template", "preview_url_template", "allowed_origins"],
                "description": "Where this clinic's site shows articles and previews, and which of its "
                "sites may call the API from a browser. Empty fields use the install's defaults.",
            },
        ),
    ]

    def get_inlines(self, request, obj):
        # People are given roles once the clinic exists, on its page.
        return self.inlines if obj is not None else [ContactLinkInline]

    def has_add_permission(self, request):
        # A new clinic is a new customer: the organisation's decision.
        return super().has_add_permission(request) and roles.is_organisation_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and roles.is_organisation_admin(request.user)


class UserMembershipInline(admin.TabularInline):
    """A person's roles, on their account page: clinic admins give roles in their own clinics."""

    model = Membership
    extra = 0
    fields = ["clinic", "role"]
    verbose_name = "role"
    verbose_name_plural = "roles in clinics"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "clinic":
            clinics = roles.administered_clinics(request.user)
            if clinics is not None:
                kwargs["queryset"] = Clinic.objects.filter(pk__in=clinics)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "clinic" and roles.administered_clinics(request.user) is not None:
            field.required = True  # "every clinic" is the organisation's to grant
        return field

    def _may(self, request, action):
        return request.user.is_superuser or request.user.has_perm(f"clinics.{action}_membership")

    def has_view_permission(self, request, obj=None):
        return self._may(request, "view")

    def has_add_permission(self, request, obj=None):
        return self._may(request, "add")

    def has_change_permission(self, request, obj=None):
        return self._may(request, "change")

    def has_delete_permission(self, request, obj=None):
        return self._may(request, "delete")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Accounts. Only superusers see superusers, or grant superuser, staff status, groups and
    permissions; clinic admins see their own clinics' people and give them roles there."""

    inlines = [UserMembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_superuser"]
    list_filter = ["is_active", "is_superuser"]

    def get_queryset(self, request):
        return roles.manageable_users(request.user).prefetch_related(None)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        hidden = {"is_superuser", "is_staff", "groups", "user_permissions"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
            if [f for f in options["fields"] if f not in hidden]
        ]

    def get_list_filter(self, request):
        return self.list_filter if request.user.is_superuser else ["is_active"]

    def get_list_display(self, request):
        if request.user.is_superuser:
            return self.list_display
        return [name for name in self.list_display if name != "is_superuser"]

    def has_add_permission(self, request):
        # A new account is placed in a clinic by the organisation: a clinic admin adds people who
        # have an account already (on the clinic's page).
        return super().has_add_permission(request) and roles.is_organisation_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or roles.manageable_users(request.user).filter(pk=obj.pk).exists()
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or roles.manageable_users(request.user).filter(pk=obj.pk).exists()
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        roles.forget(form.instance)


class ApiKeyStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() in ("active", "revoked"):
            return queryset.filter(revoked_at__isnull=self.value() == "active")
        return queryset


_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def requests_per_second(rate: str) -> Fraction:
    """A rate as DRF's throttles read it ("6000/min": 100), to compare two of them."""
    number, period = rate.split("/")
    return Fraction(int(number), _PERIOD_SECONDS[period[0]])


class ApiKeyForm(forms.ModelForm):
    """An API key's form. ``max_rate`` (set per user by ApiKeyAdmin.get_form) is the highest rate
    the user may set: API_KEY_MAX_RATE for a clinic's own admins, None (no cap) for the
    organisation's. A capped user must set a rate (blank is no limit: an error, never silently
    the cap) of at most the cap, on a new key or when changing a key's rate; a rate the
    organisation gave a key above the cap stays while they edit the key's name."""

    max_rate: str | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_rate and "rate" in self.fields:
            self.fields["rate"].help_text = (
                f'Requests allowed to this key, e.g. "600/min" or "100/s": at most {self.max_rate}. '
                "A higher rate, or no limit, is the organisation's admins' to give."
            )
            if self.instance.pk is None:
                self.initial.setdefault("rate", self.max_rate)

    def clean_rate(self):
        rate = self.cleaned_data.get("rate", "")
        cap = self.max_rate
        if not cap or (self.instance.pk is not None and "rate" not in self.changed_data):
            return rate
        if not RATE.fullmatch(cap):
            raise ImproperlyConfigured(f"API_KEY_MAX_RATE {cap!r} is not a rate such as 6000/min.")
        if not rate:
            raise forms.ValidationError(
                f"Enter a rate limit of at most {cap}: only the organisation's admins can give a key "
                "no limit.",
                code="rate_required",
            )
        if RATE.fullmatch(rate) and requests_per_second(rate) > requests_per_second(cap):
            raise forms.ValidationError(
                f"{rate} is above {cap}, the most a clinic's admins can give a key: ask the "
                "organisation's admins for more.",
                code="rate_above_cap",
            )
        return rate  # a malformed rate is the model's validator's to report


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """API keys for the clinics' own servers. The Clinic admins of a clinic manage its keys (the
    organisation's admins every clinic's); writers and reviewers do not see them. Every page, object
    and choice of clinic is checked against the clinics the user administers."""

    list_display = [
        "name",
        "clinic",
        "key",
        "rate_limit",
        "status",
        "last_used_at",
        "created_at",
        "created_by",
    ]
    list_select_related = ["clinic", "created_by"]
    list_filter = [ApiKeyStatusFilter]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]
    form = ApiKeyForm

    # Permissions: the role of Clinic admin in the key's clinic, not the groups' model permissions.
    def _may(self, request, obj=None) -> bool:
        clinics = roles.administered_clinics(request.user)
        if clinics is None:
            return True
        if obj is None:
            return bool(clinics)
        return obj.clinic_id in clinics

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_add_permission(self, request):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        clinics = roles.administered_clinics(request.user)
        return queryset if clinics is None else queryset.filter(clinic__in=clinics)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "clinic":
            # Only the clinics this user administers: a POST naming another is a form error.
            clinics = roles.administered_clinics(request.user)
            kwargs["queryset"] = (
                Clinic.objects.all() if clinics is None else Clinic.objects.filter(pk__in=clinics)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # A clinic's own admins are capped; the organisation's admins may give any rate, or none.
        capped = roles.administered_clinics(request.user) is not None
        return type(
            form.__name__, (form,), {"max_rate": (settings.API_KEY_MAX_RATE or None) if capped else None}
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "clinic", "rate"]
        return ["name", "clinic", "key", "rate", "created_at", "created_by", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["clinic", "key", "created_at", "created_by", "last_used_at", "revoked_at"]

    @admin.display(description="key", ordering="prefix")
    def key(self, key):
        return f"clk_{key.prefix}_…"

    @admin.display(description="rate limit", ordering="rate")
    def rate_limit(self, key):
        return key.rate or "no limit"

    @admin.display(description="status", ordering="revoked_at")
    def status(self, key):
        return f"Revoked {timezone.localtime(key.revoked_at):%Y-%m-%d %H:%M}" if key.revoked_at else "Active"

    def save_model(self, request, obj, form, change):
        if not change:
            # The key itself lives only in this request, for the page that shows it once.
            request.new_api_key = api_keys.issue(obj)
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """The one time the key is shown: this page, not a redirect (a message would keep the key
        in the session or a cookie). The admin sends it with Cache-Control: no-store."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Copy the new API key",
            "original": obj,
            "token": request.new_api_key,
            "key_shape": f"clk_{obj.prefix}_…",
        }
        return TemplateResponse(request, "admin/clinics/apikey/created.html", context)

    @admin.action(description="Revoke the selected API keys (refused from now on)", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = 0
        for key in queryset.filter(revoked_at__isnull=True).select_related(None):
            if self._may(request, key):
                key.revoke()
                revoked += 1
        self.message_user(
            request,
            f"Revoked {revoked} API key(s): the app answers requests carrying them with a 401 "
            f"(on every app server within {api_keys.CACHE_SECONDS} s).",
        )
