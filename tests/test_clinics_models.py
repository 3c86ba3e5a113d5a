import pytest
from django.core.exceptions import ValidationError

from clinics.models import Clinic, ContactLink
from tests.factories import make_clinic, make_contact_link

pytestmark = pytest.mark.django_db

Kind = ContactLink.Kind

VALID = [
    (Kind.WEBSITE, "https://lafayettepaincare.example/"),
    (Kind.WEBSITE, "http://clinic.example/about?x=1"),
    (Kind.FACEBOOK, "https://www.facebook.com/LafayettePainCare"),
    (Kind.FACEBOOK, "https://facebook.com/LafayettePainCare"),
    (Kind.FACEBOOK, "https://m.facebook.com/LafayettePainCare"),
    (Kind.FACEBOOK, "https://fb.com/LafayettePainCare"),
    (Kind.INSTAGRAM, "https://www.instagram.com/clinic/"),
    (Kind.X, "https://x.com/clinic"),
    (Kind.X, "https://twitter.com/clinic"),
    (Kind.LINKEDIN, "https://www.linkedin.com/company/clinic"),
    (Kind.YOUTUBE, "https://www.youtube.com/@clinic"),
    (Kind.YOUTUBE, "https://youtu.be/abc123"),
    (Kind.BOOKING, "https://booking.clinic.example/new"),
    (Kind.MAP, "https://maps.example/?q=Lafayette"),
    (Kind.OTHER, "https://clinic.example/forms"),
    (Kind.PHONE, "tel:+17655550100"),
    (Kind.PHONE, "tel:+1-765-555-0100"),
    (Kind.PHONE, "tel:(765)555-0100"),
    (Kind.EMAIL, "mailto:info@clinic.example"),
    (Kind.EMAIL, "mailto:info@clinic.example?subject=Appointment"),
]

INVALID = [
    (Kind.WEBSITE, "javascript:alert(1)", "https://"),
    (Kind.WEBSITE, "JavaScript:alert(document.cookie)", "https://"),
    (Kind.WEBSITE, " javascript:alert(1)", "https://"),
    (Kind.WEBSITE, "data:text/html,<script>alert(1)</script>", "https://"),
    (Kind.WEBSITE, "ftp://clinic.example/", "https://"),
    (Kind.WEBSITE, "//clinic.example/", "https://"),
    (Kind.WEBSITE, "clinic.example", "https://"),
    (Kind.WEBSITE, "https://", "valid URL"),
    (Kind.WEBSITE, "http://localhost:8000/", "local or private"),
    (Kind.WEBSITE, "http://127.0.0.1/", "local or private"),
    (Kind.WEBSITE, "http://192.168.1.10/", "local or private"),
    (Kind.FACEBOOK, "https://evil.example/facebook.com", "facebook.com or fb.com"),
    (Kind.FACEBOOK, "https://facebook.com.evil.example/", "facebook.com or fb.com"),
    (Kind.FACEBOOK, "https://notfacebook.com/page", "facebook.com or fb.com"),
    (Kind.FACEBOOK, "javascript:alert(1)", "https://"),
    (Kind.INSTAGRAM, "https://instagram.evil.example/", "instagram.com"),
    (Kind.PHONE, "javascript:alert(1)", "tel:"),
    (Kind.PHONE, "https://clinic.example/", "tel:"),
    (Kind.PHONE, "tel:call-us", "tel:"),
    (Kind.PHONE, "765-555-0100", "tel:"),
    (Kind.EMAIL, "info@clinic.example", "mailto:"),
    (Kind.EMAIL, "mailto:not-an-email", "mailto:"),
    (Kind.EMAIL, "javascript:alert(1)", "mailto:"),
]


@pytest.mark.parametrize(("kind", "url"), VALID)
def test_contact_link_accepts_a_url_fit_for_its_kind(kind, url):
    link = make_contact_link(kind=kind, url=url)
    assert link.pk is not None


@pytest.mark.parametrize(("kind", "url", "message"), INVALID)
def test_contact_link_refuses_a_url_unfit_for_its_kind_with_a_clear_message(kind, url, message):
    link = ContactLink(clinic=make_clinic(), kind=kind, url=url)
    with pytest.raises(ValidationError) as error:
        link.full_clean()
    assert message in " ".join(error.value.message_dict["url"])


def test_contact_link_with_a_bad_url_is_never_stored_even_outside_forms():
    clinic = make_clinic()
    with pytest.raises(ValidationError):
        ContactLink.objects.create(clinic=clinic, kind=Kind.WEBSITE, url="javascript:alert(1)")
    assert not clinic.contact_links.exists()


def test_contact_link_url_is_stored_without_surrounding_spaces():
    link = make_contact_link(kind=Kind.PHONE, url="  tel:+17655550100 ")
    link.refresh_from_db()
    assert link.url == "tel:+17655550100"


def test_contact_links_are_ordered_by_position():
    clinic = make_clinic()
    second = make_contact_link(clinic=clinic, position=2)
    first = make_contact_link(clinic=clinic, position=1)
    assert list(clinic.contact_links.all()) == [first, second]


def test_clinic_website_must_be_a_public_web_address():
    clinic = make_clinic()
    clinic.website = "javascript:alert(1)"
    with pytest.raises(ValidationError) as error:
        clinic.full_clean()
    assert "website" in error.value.message_dict


def test_clinic_country_defaults_to_us():
    assert make_clinic().country == "US"


def test_contact_link_str_is_its_label_or_kind():
    assert str(make_contact_link(label="Call us", kind=Kind.PHONE, url="tel:+17655550100")) == "Call us"
    assert str(make_contact_link(kind=Kind.FACEBOOK, url="https://facebook.com/x")) == "Facebook"


def test_clinic_with_an_unsafe_website_is_never_stored_even_outside_forms():
    with pytest.raises(ValidationError):
        make_clinic(slug="unsafe", website="javascript:alert(1)")
    assert not Clinic.objects.filter(slug="unsafe").exists()
