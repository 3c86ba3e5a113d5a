from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ClinicsConfig(AppConfig):
    name = "clinics"
    verbose_name = "Clinics"

    def ready(self):
        from corsheaders.signals import check_request_enabled

        from clinics import api_keys, origins
        from clinics.models import ApiKey, Clinic
        from cms.lib.guard import register_api_key_resolver

        check_request_enabled.connect(origins.allow_clinic_origin, dispatch_uid="clinic-origins")
        post_save.connect(origins.forget_origins, sender=Clinic, dispatch_uid="clinic-origins-saved")
        post_delete.connect(origins.forget_origins, sender=Clinic, dispatch_uid="clinic-origins-deleted")
        register_api_key_resolver(api_keys.resolve)
        post_save.connect(api_keys.forget, sender=ApiKey, dispatch_uid="api-key-saved")
        post_delete.connect(api_keys.forget, sender=ApiKey, dispatch_uid="api-key-deleted")
