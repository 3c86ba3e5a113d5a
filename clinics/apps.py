from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ClinicsConfig(AppConfig):
    name = "clinics"
    verbose_name = "Clinics"

    def ready(self):
        from corsheaders.signals import check_request_enabled

        from clinics import origins
        from clinics.models import Clinic

        check_request_enabled.connect(origins.allow_clinic_origin, dispatch_uid="clinic-origins")
        post_save.connect(origins.forget_origins, sender=Clinic, dispatch_uid="clinic-origins-saved")
        post_delete.connect(origins.forget_origins, sender=Clinic, dispatch_uid="clinic-origins-deleted")
