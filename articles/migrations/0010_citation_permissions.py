"""Writers, reviewers and clinic admins edit an article's contraindications and references.

The two child tables came after the role groups were made (0003), so no role held their
permissions and only a superuser could cite a source. Each role now gets on them what it has on
sections, conditions, risks and criteria: add, change, delete and view. *Where* they may use them
is the article's business, as for the other children: the admin lets a writer change the rows of
drafts and working copies, and a reviewer also what is in review (articles.workflow.can_edit).

A group that a superuser deleted stays deleted. Backwards removes these grants from the groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["Writer", "Clinical reviewer", "Clinic admin"]
CITATION_PERMISSIONS = [
    f"{verb}_{model}"
    for model in ("contraindication", "reference")
    for verb in ("add", "change", "delete", "view")
]


def _permissions(apps):
    # Permissions are normally made after all migrations; a fresh database needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    found = list(
        Permission.objects.filter(content_type__app_label="articles", codename__in=CITATION_PERMISSIONS)
    )
    missing = set(CITATION_PERMISSIONS) - {permission.codename for permission in found}
    if missing:
        raise RuntimeError(f"Permissions not found: {sorted(missing)}")
    return found


def grant(apps, schema_editor):
    permissions = _permissions(apps)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="articles", codename__in=CITATION_PERMISSIONS
    )
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_topic_proposals"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
