from django.urls import path

from bench.reference import reference_detail
from cms.urls import urlpatterns as careleaf_urlpatterns

urlpatterns = [
    path("bench/reference/<slug:slug>/", reference_detail),
    *careleaf_urlpatterns,
]
