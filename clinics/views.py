from rest_framework import viewsets

from clinics.models import Clinic
from clinics.serializers import ClinicDetailSerializer, ClinicSerializer
from cms.lookups import SLUG_PATTERN
from cms.query_contract import StrictQueryParameters


class ClinicViewSet(StrictQueryParameters, viewsets.ReadOnlyModelViewSet):
    """Clinics with their contact links and published-article counts."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN

    def get_queryset(self):
        clinics = Clinic.objects.all()
        return clinics.for_detail() if self.action == "retrieve" else clinics.for_list()

    def get_serializer_class(self):
        return ClinicDetailSerializer if self.action == "retrieve" else ClinicSerializer
