"""The three editorial roles as Django groups. Assign people to them in the admin (Users)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

WRITER = "Writer"
REVIEWER = "Clinical reviewer"
CLINIC_ADMIN = "Clinic admin"

WRITER_PERMISSIONS = [
    "articles.add_article",
    "articles.change_article",
    "articles.view_article",
    *(
        f"articles.{verb}_{model}"
        for model in ("section", "candidatecriterion", "articlecondition", "articlerisk")
        for verb in ("add", "change", "delete", "view")
    ),
    # New terms for their drafts, but not edits of terms that live articles already show.
    *(f"articles.{verb}_{model}" for model in ("condition", "risk") for verb in ("add", "view")),
    "articles.view_reviewer",
    "articles.view_articletransition",
    "articles.view_clinicalreview",
    "clinics.view_clinic",
    "clinics.view_contactlink",
]
REVIEWER_PERMISSIONS = [
    *WRITER_PERMISSIONS,
    "articles.publish_article",
    "articles.review_article",
    "articles.add_reviewer",
    "articles.change_reviewer",
    "articles.change_condition",
    "articles.change_risk",
]
# Clinic admins get every permission of these apps (and of users and groups).
CLINIC_ADMIN_APPS = ["articles", "clinics", "auth"]


def _permissions(Permission, labels):
    wanted = [label.split(".") for label in labels]
    found = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in=[codename for _, codename in wanted]
        )
    }
    missing = set(labels) - set(found)
    if missing:
        raise RuntimeError(f"Permissions not found: {sorted(missing)}")
    return [found[label] for label in labels]


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; this migration needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    roles = {
        WRITER: _permissions(Permission, WRITER_PERMISSIONS),
        REVIEWER: _permissions(Permission, REVIEWER_PERMISSIONS),
        CLINIC_ADMIN: list(Permission.objects.filter(content_type__app_label__in=CLINIC_ADMIN_APPS)),
    }
    for name, permissions in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[WRITER, REVIEWER, CLINIC_ADMIN]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_workflow_reviews_previews"),
        ("clinics", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
