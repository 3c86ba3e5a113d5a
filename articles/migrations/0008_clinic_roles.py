"""Staff belong to clinics: roles become memberships, and no role can grant itself more.

- Everyone who was in a role group (Writer, Clinical reviewer, Clinic admin) gets a membership with
  that role in every clinic (what they could touch before), unless they hold that role somewhere
  already, and leaves the group: the groups now
  define what each role may do, and memberships say where. Narrow them to one clinic in the admin.
- Clinic admins lose the ``auth`` permissions (superuser flags, groups, permissions) and keep
  managing people: users (the admin shows them only their own clinics' staff) and memberships.
- Changing an existing condition or risk becomes the organisation-wide administrator's:
  reviewers keep adding new ones.
- Reviewers (the clinicians named on articles) get a clinic; existing ones serve every clinic.
"""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

ROLES = {"Writer": "writer", "Clinical reviewer": "reviewer", "Clinic admin": "clinic_admin"}
CLINIC_ADMIN_USERS = ["auth.view_user", "auth.add_user", "auth.change_user"]
MEMBERSHIPS = [f"clinics.{verb}_membership" for verb in ("add", "change", "delete", "view")]
VOCABULARY_CHANGES = ["articles.change_condition", "articles.change_risk"]


def _permissions(apps, labels):
    Permission = apps.get_model("auth", "Permission")
    found = []
    for label in labels:
        app_label, codename = label.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def _make_permissions(apps):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def forwards(apps, schema_editor):
    _make_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Membership = apps.get_model("clinics", "Membership")
    User = Membership._meta.get_field("user").related_model
    groups = {group.name: group for group in Group.objects.filter(name__in=ROLES)}
    for name, group in groups.items():
        for user in User.objects.filter(groups=group):
            # A role already held somewhere (kept by a migration back and forth) stays as narrow.
            if not Membership.objects.filter(user=user, role=ROLES[name]).exists():
                Membership.objects.create(user=user, clinic=None, role=ROLES[name])
        group.user_set.clear()
    if "Clinic admin" in groups:
        admin = groups["Clinic admin"]
        admin.permissions.remove(*Permission.objects.filter(content_type__app_label="auth"))
        admin.permissions.add(*_permissions(apps, CLINIC_ADMIN_USERS + MEMBERSHIPS))
    if "Clinical reviewer" in groups:
        groups["Clinical reviewer"].permissions.remove(*_permissions(apps, VOCABULARY_CHANGES))


def backwards(apps, schema_editor):
    # Memberships stay (their table is the clinics app's): back in the groups for the old code, and
    # as narrow as they were when this migration runs forwards again.
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Membership = apps.get_model("clinics", "Membership")
    groups = {group.name: group for group in Group.objects.filter(name__in=ROLES)}
    by_role = {role: name for name, role in ROLES.items()}
    for membership in Membership.objects.select_related("user"):
        group = groups.get(by_role[membership.role])
        if group is not None:
            group.user_set.add(membership.user)
    if "Clinic admin" in groups:
        groups["Clinic admin"].permissions.add(*Permission.objects.filter(content_type__app_label="auth"))
    if "Clinical reviewer" in groups:
        groups["Clinical reviewer"].permissions.add(*_permissions(apps, VOCABULARY_CHANGES))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_publications"),
        ("clinics", "0002_memberships_and_front_ends"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewer",
            name="clinic",
            field=models.ForeignKey(
                blank=True,
                help_text="The clinic this person reviews for. Empty: every clinic (the organisation's own).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reviewers",
                to="clinics.clinic",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
