import pytest
from django.urls import reverse
from django.utils.html import escape

from clinics.models import Clinic, ContactLink
from tests.admin_forms import add_rows, form_data
from tests.factories import make_article, make_clinic

pytestmark = pytest.mark.django_db

CLINICS = reverse("admin:clinics_clinic_changelist")
ADD_CLINIC = reverse("admin:clinics_clinic_add")


def new_clinic_data(client, **fields) -> dict:
    """The add form, fetched and filled in with a valid clinic and no contact links."""
    data = form_data(client.get(ADD_CLINIC))
    return (
        data
        | {
            "name": "Wabash Pain Center",
            "slug": "wabash-pain-center",
            "description": "Pain care for the Wabash valley.",
            "specialty": "Pain management",
            "street_address": "123 Main Street",
            "city": "Lafayette",
            "region": "IN",
            "postal_code": "47901",
            "country": "US",
            "phone": "+1-765-555-0100",
            "email": "info@wabash.example",
            "website": "https://wabash.example/",
        }
        | fields
    )


def change_url(clinic) -> str:
    return reverse("admin:clinics_clinic_change", args=[clinic.pk])


def contact_link_errors(response) -> list[dict]:
    (inline,) = response.context["inline_admin_formsets"]
    return inline.formset.errors


# --- Every page answers -------------------------------------------------------------------------


def test_clinic_add_page_opens(staff_client):
    assert staff_client.get(ADD_CLINIC).status_code == 200


def test_clinic_change_page_opens_for_a_clinic_with_contact_links_and_articles(staff_client):
    clinic = make_clinic(contact_links=2)
    make_article(clinic=clinic)

    assert staff_client.get(change_url(clinic)).status_code == 200


def test_clinic_changelist_opens_with_rows_in_it(staff_client):
    make_clinic(name="Wabash Pain Center")
    make_clinic(name="Muncie Spine")

    response = staff_client.get(CLINICS)

    assert response.status_code == 200
    assert [clinic.name for clinic in response.context["cl"].result_list] == [
        "Muncie Spine",
        "Wabash Pain Center",
    ]


def test_clinic_changelist_search_finds_a_clinic_by_city(staff_client):
    make_clinic(name="Wabash Pain Center", city="Lafayette")
    make_clinic(name="Muncie Spine", city="Muncie")

    response = staff_client.get(CLINICS, {"q": "muncie"})

    assert [clinic.name for clinic in response.context["cl"].result_list] == ["Muncie Spine"]


# --- Saving through the form --------------------------------------------------------------------


def test_clinic_add_form_saves_the_clinic_with_its_contact_links_in_order(staff_client):
    data = new_clinic_data(staff_client)
    # Rows posted out of position order, as after a drag: positions decide.
    add_rows(
        data,
        "contact_links",
        [
            {"position": "3", "kind": "email", "label": "", "url": "mailto:info@wabash.example"},
            {"position": "1", "kind": "phone", "label": "Call the front desk", "url": " tel:+17655550100 "},
            {"position": "2", "kind": "facebook", "label": "", "url": "https://www.facebook.com/wabashpain"},
        ],
    )

    response = staff_client.post(ADD_CLINIC, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    clinic = Clinic.objects.get()
    assert (clinic.name, clinic.slug, clinic.city, clinic.website) == (
        "Wabash Pain Center",
        "wabash-pain-center",
        "Lafayette",
        "https://wabash.example/",
    )
    assert list(clinic.contact_links.values_list("position", "kind", "label", "url")) == [
        (1, "phone", "Call the front desk", "tel:+17655550100"),
        (2, "facebook", "", "https://www.facebook.com/wabashpain"),
        (3, "email", "", "mailto:info@wabash.example"),
    ]


def test_clinic_change_form_reorders_contact_links(staff_client):
    clinic = make_clinic()
    website = ContactLink.objects.create(clinic=clinic, kind="website", url="https://a.example/", position=1)
    phone = ContactLink.objects.create(clinic=clinic, kind="phone", url="tel:+17655550100", position=2)
    data = form_data(staff_client.get(change_url(clinic)))
    data |= {"contact_links-0-position": "2", "contact_links-1-position": "1"}

    assert staff_client.post(change_url(clinic), data).status_code == 302

    assert list(clinic.contact_links.all()) == [phone, website]


# --- Validation errors are shown on the form, nothing saved -------------------------------------


@pytest.mark.parametrize(
    ("kind", "url", "message"),
    [
        ("facebook", "https://evil.example/", "Facebook links must point to facebook.com or fb.com."),
        ("phone", "javascript:alert(1)", "A phone link must be a tel: number, e.g. tel:+17655550100."),
        (
            "website",
            "javascript:alert(1)",
            "Enter a web address starting with https:// (or http://), e.g. https://www.example.org/.",
        ),
        (
            "email",
            "mailto:not-an-email",
            "An email link must be a mailto: address, e.g. mailto:info@clinic.example.",
        ),
        ("website", "http://127.0.0.1/", "This address points at a local or private machine"),
    ],
    ids=[
        "facebook-elsewhere",
        "phone-javascript",
        "website-javascript",
        "email-not-an-address",
        "website-local",
    ],
)
def test_clinic_add_form_rejects_a_contact_link_that_does_not_fit_its_kind(staff_client, kind, url, message):
    data = new_clinic_data(staff_client)
    add_rows(data, "contact_links", [{"position": "1", "kind": kind, "label": "", "url": url}])

    response = staff_client.post(ADD_CLINIC, data)

    assert response.status_code == 200
    assert "Please correct the error" in response.content.decode()
    assert escape(message) in response.content.decode()
    (errors,) = contact_link_errors(response)
    assert list(errors) == ["url"]
    assert Clinic.objects.count() == 0
    assert ContactLink.objects.count() == 0


def test_clinic_change_form_rejects_a_contact_link_edited_to_javascript(staff_client):
    clinic = make_clinic(contact_links=1)
    data = form_data(staff_client.get(change_url(clinic)))
    data |= {"contact_links-0-kind": "website", "contact_links-0-url": "javascript:alert(1)"}

    response = staff_client.post(change_url(clinic), data)

    assert response.status_code == 200
    assert escape("Enter a web address starting with https:// (or http://)") in response.content.decode()
    assert ContactLink.objects.get().url == "https://clinic.example/"


def test_clinic_add_form_rejects_a_website_on_a_private_address(staff_client):
    response = staff_client.post(ADD_CLINIC, new_clinic_data(staff_client, website="http://192.168.1.10/"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "website": ["This address points at a local or private machine; enter the public web address."]
    }
    assert Clinic.objects.count() == 0


def test_clinic_add_form_rejects_a_slug_another_clinic_has(staff_client):
    make_clinic(slug="wabash-pain-center")

    response = staff_client.post(ADD_CLINIC, new_clinic_data(staff_client))

    assert response.status_code == 200
    assert "Clinic with this Slug already exists." in response.content.decode()
    assert Clinic.objects.count() == 1


# --- Query budget -------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 100])
def test_clinic_changelist_runs_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries, rows):
    for _ in range(rows):
        make_clinic(contact_links=2)

    # session, user, count, full count, the page of clinics.
    with django_assert_max_num_queries(5):
        response = staff_client.get(CLINICS)

    assert len(response.context["cl"].result_list) == rows
