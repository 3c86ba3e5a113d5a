"""No role can grant itself more: only superusers see superusers, or grant superuser, staff status,
groups and permissions; clinic admins manage the people of their own clinics only.

Every field and page of users, groups and permissions, for each role below a superuser: the
writer, reviewer and clinic admin of one clinic, and the organisation-wide clinic admin.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from clinics import roles
from clinics.models import Membership
from tests.admin_forms import add_rows, form_data
from tests.factories import STAFF_PASSWORD, make_clinic, make_staff
from tests.test_clinic_scoping import whole_rows

pytestmark = pytest.mark.django_db

User = get_user_model()
BELOW_SUPERUSER = ["wendy_a", "rahul_a", "cora_a", "organisation"]


@pytest.fixture
def people(django_user_model):
    a = make_clinic(name="Wabash Pain Center", slug="wabash")
    b = make_clinic(name="Bluff Spine Clinic", slug="bluff")
    staff = make_staff(clinic=a, suffix="_a") | make_staff(clinic=b, suffix="_b")
    staff["organisation"] = django_user_model.objects.create_user("organisation", password=STAFF_PASSWORD)
    roles.grant(staff["organisation"], "Clinic admin")  # every clinic
    staff["root"] = django_user_model.objects.create_superuser("root", "root@clinic.example", STAFF_PASSWORD)
    return {"a": a, "b": b, **staff}


def user_url(user, page="change"):
    return reverse(f"admin:auth_user_{page}", args=[user.pk])


@pytest.mark.parametrize("username", BELOW_SUPERUSER)
def test_the_superuser_is_invisible_and_untouchable(client, people, username):
    client.force_login(people[username])
    root = people["root"]
    before = whole_rows()

    listed = client.get(reverse("admin:auth_user_changelist"))
    responses = [
        client.get(user_url(root)),
        client.post(user_url(root), {"username": "root", "is_active": ""}),
        client.get(reverse("admin:auth_user_password_change", args=[root.pk])),
        client.post(
            reverse("admin:auth_user_password_change", args=[root.pk]),
            {"password1": "Taken-over-4417", "password2": "Taken-over-4417"},
        ),
        client.post(user_url(root, "delete"), {"post": "yes"}),
    ]

    assert listed.status_code == 403 or "root@clinic.example" not in listed.content.decode()
    for response in responses:
        assert response.status_code in (302, 403, 404), response.status_code
        assert "root@clinic.example" not in response.content.decode()
    assert whole_rows() == before
    assert User.objects.get(pk=root.pk).check_password(STAFF_PASSWORD)


@pytest.mark.parametrize("username", ["cora_a", "organisation"])
def test_an_admin_cannot_grant_itself_superuser_staff_groups_or_permissions(client, people, username):
    me = people[username]
    client.force_login(me)
    page = client.get(user_url(me))
    assert page.status_code == 200
    for field in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert f'name="{field}"' not in page.content.decode()
    every_permission = [str(pk) for pk in Permission.objects.values_list("pk", flat=True)]
    data = form_data(page) | {
        "is_superuser": "on",
        "is_staff": "on",
        "groups": [str(pk) for pk in Group.objects.values_list("pk", flat=True)],
        "user_permissions": every_permission,
        "first_name": "Cora",
    }

    response = client.post(user_url(me), data)

    assert response.status_code == 302
    me = User.objects.get(pk=me.pk)
    assert me.first_name == "Cora"  # the save went through, without the fields it may not set
    assert not me.is_superuser
    assert not me.groups.exists()
    assert not me.user_permissions.exists()


@pytest.mark.parametrize("username", BELOW_SUPERUSER)
def test_groups_and_permissions_are_superuser_only(client, people, username):
    client.force_login(people[username])
    writer_group = Group.objects.get(name="Writer")
    before = whole_rows()

    responses = [
        client.get(reverse("admin:auth_group_changelist")),
        client.get(reverse("admin:auth_group_change", args=[writer_group.pk])),
        client.post(
            reverse("admin:auth_group_change", args=[writer_group.pk]),
            {"name": "Writer", "permissions": list(Permission.objects.values_list("pk", flat=True))},
        ),
        client.post(reverse("admin:auth_group_add"), {"name": "Everything"}),
    ]

    assert [response.status_code for response in responses] == [403] * len(responses)
    assert whole_rows() == before


@pytest.mark.parametrize("username", ["wendy_a", "rahul_a"])
def test_writers_and_reviewers_manage_no_accounts(client, people, username):
    client.force_login(people[username])
    before = whole_rows()

    responses = [
        client.get(reverse("admin:auth_user_changelist")),
        client.get(user_url(people[username])),
        client.post(reverse("admin:auth_user_add"), {"username": "sock", "password1": "x", "password2": "x"}),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403]
    assert whole_rows() == before


def test_a_clinic_admin_sees_only_their_clinics_people(client, people):
    client.force_login(people["cora_a"])

    listed = client.get(reverse("admin:auth_user_changelist")).content.decode()
    other = client.get(user_url(people["wendy_b"]))

    assert "wendy_a" in listed and "rahul_a" in listed
    assert "wendy_b" not in listed and "organisation" not in listed and "root" not in listed
    assert other.status_code == 302


def test_a_person_of_two_clinics_is_managed_only_by_someone_who_administers_both(client, people):
    """Else the admin of A could reset the password of B's writer and act in B."""
    shared = people["wendy_b"]
    roles.grant(shared, "Writer", people["a"])
    client.force_login(people["cora_a"])
    before = whole_rows()

    opened = client.get(user_url(shared))
    password = client.post(
        reverse("admin:auth_user_password_change", args=[shared.pk]),
        {"password1": "Taken-over-4417", "password2": "Taken-over-4417"},
    )

    assert opened.status_code == 302
    assert password.status_code in (403, 404)
    assert whole_rows() == before
    assert User.objects.get(pk=shared.pk).check_password(STAFF_PASSWORD)


@pytest.mark.parametrize(
    ("clinic", "error"),
    [("b", "Select a valid choice"), ("", "This field is required")],
    ids=["another clinic", "every clinic"],
)
def test_a_clinic_admin_gives_roles_in_their_own_clinic_only(client, people, clinic, error):
    client.force_login(people["cora_a"])
    target = people["wendy_a"]
    page = client.get(user_url(target))
    clinic_id = str(people[clinic].pk) if clinic else ""
    data = add_rows(form_data(page), "memberships", [{"clinic": clinic_id, "role": "clinic_admin"}])
    before = whole_rows()

    response = client.post(user_url(target), data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert whole_rows() == before


def test_a_clinic_admin_cannot_raise_their_own_reach(client, people):
    me = people["cora_a"]
    client.force_login(me)
    page = client.get(user_url(me))
    data = add_rows(form_data(page), "memberships", [{"clinic": "", "role": "clinic_admin"}])

    response = client.post(user_url(me), data)

    assert response.status_code == 200
    assert list(Membership.objects.filter(user=me).values_list("clinic_id", "role")) == [
        (people["a"].pk, "clinic_admin")
    ]
    assert not roles.is_organisation_admin(User.objects.get(pk=me.pk))


def test_a_clinic_admin_gives_a_role_in_their_clinic(client, people):
    client.force_login(people["cora_a"])
    target = people["wendy_a"]
    page = client.get(user_url(target))
    data = add_rows(form_data(page), "memberships", [{"clinic": str(people["a"].pk), "role": "reviewer"}])

    response = client.post(user_url(target), data)

    assert response.status_code == 302
    assert set(Membership.objects.filter(user=target).values_list("role", flat=True)) == {
        "writer",
        "reviewer",
    }


def test_the_superuser_still_grants_everything(client, people):
    client.force_login(people["root"])
    target = people["cora_a"]
    page = form_data(client.get(user_url(target)))
    # An empty multiple select sends nothing (the page parser reads it as "").
    data = {name: value for name, value in page.items() if name not in ("groups", "user_permissions")}
    data["is_superuser"] = "on"

    response = client.post(user_url(target), data)

    assert response.status_code == 302
    assert User.objects.get(pk=target.pk).is_superuser


def test_a_clinic_admin_cannot_take_over_a_member_holding_more_than_a_role(client, people):
    """A writer of A whom a superuser also put in a group: their account is the superuser's."""
    extra = people["wendy_a"]
    extra.groups.add(Group.objects.create(name="Group editors"))
    client.force_login(people["cora_a"])
    before = whole_rows()

    responses = [
        client.get(user_url(extra)),
        client.post(
            reverse("admin:auth_user_password_change", args=[extra.pk]),
            {"password1": "Taken-over-4417", "password2": "Taken-over-4417", "usable_password": "true"},
        ),
    ]

    assert [response.status_code for response in responses] in ([302, 404], [302, 403])
    assert whole_rows() == before
    assert User.objects.get(pk=extra.pk).check_password(STAFF_PASSWORD)


def test_a_clinic_admin_cannot_take_over_a_fresh_account_or_create_one(client, people, django_user_model):
    fresh = django_user_model.objects.create_user("fresh", password=STAFF_PASSWORD)
    client.force_login(people["cora_a"])
    before = whole_rows()

    listed = client.get(reverse("admin:auth_user_changelist")).content.decode()
    password = client.post(
        reverse("admin:auth_user_password_change", args=[fresh.pk]),
        {"password1": "Taken-over-4417", "password2": "Taken-over-4417", "usable_password": "true"},
    )
    added = client.post(
        reverse("admin:auth_user_add"),
        {"username": "sock", "password1": "Sock-puppet-4417", "password2": "Sock-puppet-4417"},
    )

    assert "fresh" not in listed
    assert password.status_code in (403, 404)
    assert added.status_code == 403
    assert whole_rows() == before
    assert User.objects.get(pk=fresh.pk).check_password(STAFF_PASSWORD)
