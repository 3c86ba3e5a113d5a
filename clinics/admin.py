from adminsortable2.admin import SortableAdminBase, SortableTabularInline
from django.contrib import admin
from django.db import models

from clinics.models import Clinic, ContactLink
from cms.lib.admin import RetryOnUniqueRace


class ContactLinkInline(SortableTabularInline):
    model = ContactLink
    extra = 0
    fields = ["kind", "label", "url"]


@admin.register(Clinic)
class ClinicAdmin(RetryOnUniqueRace, SortableAdminBase, admin.ModelAdmin):
    list_display = ["name", "city", "region", "specialty", "updated_at"]
    search_fields = ["name", "city", "specialty"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ContactLinkInline]
    # A website typed without a scheme ("clinic.example") becomes https://, not http://.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "specialty"]}),
        ("Address", {"fields": ["street_address", "city", "region", "postal_code", "country"]}),
        ("Contact", {"fields": ["phone", "email", "website"]}),
    ]
