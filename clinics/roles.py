"""Who may touch what: staff hold roles in clinics (clinics.Membership), and every check on a
clinic's object asks about the role in that object's clinic.

Each role's permissions are those of the Django group of the same name (Writer, Clinical
reviewer, Clinic admin), so a superuser can still tune what a role may do. The groups are role
definitions: people get them through memberships, never by being put in a group.

``ClinicRoleBackend`` answers Django's ``user.has_perm(perm, obj)``: with an object, from the
roles held in the object's clinic (ModelBackend answers nothing for objects); without one, from
every role held anywhere (so the admin shows a writer the article pages at all). Querysets are
scoped with ``clinic_ids()``: what lies outside a user's clinics does not exist for them.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q

from clinics.models import Clinic, Membership

Role = Membership.Role
GROUP_OF_ROLE = {Role.WRITER: "Writer", Role.REVIEWER: "Clinical reviewer", Role.CLINIC_ADMIN: "Clinic admin"}
ORGANISATION = None  # a membership's clinic: every clinic


def _roles(user) -> list[tuple[int | None, str]]:
    """(clinic id or None for every clinic, role) of ``user``: one query per request's user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_clinic_roles", None)
    if cached is None:
        cached = list(Membership.objects.filter(user_id=user.pk).values_list("clinic_id", "role"))
        user._clinic_roles = cached
    return cached


def _role_permissions(user) -> dict[str, frozenset[str]]:
    cached = getattr(user, "_role_permissions", None)
    if cached is None:
        names = {GROUP_OF_ROLE[Role(role)]: role for _clinic, role in _roles(user)}
        cached = {role: set() for role in names.values()}
        rows = Group.objects.filter(name__in=names).values_list(
            "name", "permissions__content_type__app_label", "permissions__codename"
        )
        for name, app_label, codename in rows:
            if codename:
                cached[names[name]].add(f"{app_label}.{codename}")
        cached = {role: frozenset(perms) for role, perms in cached.items()}
        user._role_permissions = cached
    return cached


def forget(user) -> None:
    """Drop what was read about ``user``'s roles (after their memberships change)."""
    for name in ("_clinic_roles", "_role_permissions"):
        user.__dict__.pop(name, None)


_NOT_A_CLINIC_OBJECT = object()


_NO_CLINIC_ROLE = object()


def clinic_of(obj):
    """The id of the clinic ``obj`` belongs to (None: the organisation's own); _NOT_A_CLINIC_OBJECT
    for shared vocabulary (``is_shared_vocabulary``); _NO_CLINIC_ROLE for anything else, which no
    role grants anything on."""
    if isinstance(obj, Clinic):
        return obj.pk
    if getattr(obj, "is_shared_vocabulary", False):
        return _NOT_A_CLINIC_OBJECT
    return getattr(obj, "clinic_id", _NO_CLINIC_ROLE)


def roles_in(user, clinic_id) -> set[str]:
    return {role for clinic, role in _roles(user) if clinic is ORGANISATION or clinic == clinic_id}


def is_organisation_admin(user) -> bool:
    """A superuser, or a Clinic admin of every clinic: changes shared vocabulary and people."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return (ORGANISATION, Role.CLINIC_ADMIN) in _roles(user)


def clinic_ids(user, perm: str | None = None) -> set[int] | None:
    """The clinics ``user`` works on (holding ``perm`` there, if given); None means every clinic."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return None
    permissions = _role_permissions(user)
    held = [
        (clinic, role) for clinic, role in _roles(user) if perm is None or perm in permissions.get(role, ())
    ]
    if any(clinic is ORGANISATION for clinic, _role in held):
        return None
    return {clinic for clinic, _role in held}


def scope(queryset, user, field: str = "clinic", perm: str | None = None):
    """``queryset`` narrowed to the rows of ``user``'s clinics."""
    ids = clinic_ids(user, perm)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": ids})


class ClinicRoleBackend(BaseBackend):
    """Permissions from clinic memberships (see the module's docstring). Authenticates nobody."""

    def get_all_permissions(self, user_obj, obj=None):
        roles = _roles(user_obj)
        if not roles:
            return set()
        permissions = _role_permissions(user_obj)
        if obj is None:
            return set().union(*permissions.values())
        clinic = clinic_of(obj)
        if clinic is _NO_CLINIC_ROLE:
            return set()
        if clinic is _NOT_A_CLINIC_OBJECT:
            # Shared objects (conditions, risks): the model's permissions, from any role held.
            return set().union(*permissions.values())
        return set().union(*(permissions.get(role, ()) for role in roles_in(user_obj, clinic)))

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label):
        return any(perm.startswith(app_label + ".") for perm in self.get_all_permissions(user_obj))


ROLE_OF_GROUP = {name: role for role, name in GROUP_OF_ROLE.items()}


def grant(user, role: str, clinic: Clinic | None = None) -> Membership:
    """Give ``user`` ``role`` (a Role, or its group's name) in ``clinic`` (None: every clinic)."""
    role = ROLE_OF_GROUP.get(role, role)
    membership, _ = Membership.objects.get_or_create(user=user, clinic=clinic, role=Role(role))
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    forget(user)
    return membership


def _perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


class ClinicScopedAdmin:
    """ModelAdmin mixin for a clinic's objects: the list, every page and every choice of clinic
    hold only the user's clinics; each object is checked against the role in its own clinic.

    ``clinic_field`` is the path from the model to its clinic ("pk" for Clinic itself). With
    ``shared_when_empty``, rows with no clinic (the organisation's own) are listed for everyone
    and changed only by organisation-wide roles.
    """

    clinic_field = "clinic"
    shared_when_empty = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = clinic_ids(request.user)
        if ids is None:
            return queryset
        mine = Q(**{f"{self.clinic_field}__in": ids})
        if self.shared_when_empty:
            mine |= Q(**{f"{self.clinic_field}__isnull": True})
        return queryset.filter(mine)

    def _allowed(self, request, action: str, obj) -> bool:
        return obj is None or request.user.has_perm(_perm(self.model, action), obj)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (
            self._allowed(request, "view", obj) or self._allowed(request, "change", obj)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._allowed(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._allowed(request, "delete", obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Clinic and self.clinic_field == db_field.name:
            # Only clinics where this user may add such objects: a POST naming another is refused.
            ids = clinic_ids(request.user, _perm(self.model, "add"))
            if ids is not None:
                kwargs["queryset"] = Clinic.objects.filter(pk__in=ids)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        limited = clinic_ids(request.user, _perm(self.model, "add")) is not None
        if field is not None and db_field.related_model is Clinic and db_field.null and limited:
            field.required = True  # "every clinic" is the organisation's to choose
        return field


def administered_clinics(user) -> set[int] | None:
    """The clinics whose people ``user`` manages; None: every clinic."""
    if is_organisation_admin(user):
        return None
    return {clinic for clinic, role in _roles(user) if role == Role.CLINIC_ADMIN and clinic is not None}


def manageable_users(actor):
    """The accounts ``actor`` may open and change: never a superuser (unless ``actor`` is one); for
    a clinic admin only people with a role in the clinics they administer and nowhere else, and no
    group or permission beyond their roles. Fresh accounts with no role are the organisation
    administrator's to place: another clinic's admin may have just made one. Nobody but a superuser
    manages an account holding groups or permissions beyond roles."""
    users = get_user_model().objects.all()
    if actor.is_superuser and actor.is_active:
        return users
    # Groups and direct permissions are a superuser's to give: whoever holds them is theirs to manage.
    users = (
        users.filter(is_superuser=False)
        .exclude(Exists(Group.objects.filter(user=OuterRef("pk"))))
        .exclude(Exists(get_user_model().user_permissions.through.objects.filter(user=OuterRef("pk"))))
    )
    clinics = administered_clinics(actor)
    if clinics is None:
        return users
    elsewhere = Membership.objects.filter(user=OuterRef("pk")).exclude(clinic__in=clinics)
    return users.filter(Exists(Membership.objects.filter(user=OuterRef("pk"), clinic__in=clinics))).exclude(
        Exists(elsewhere)
    )
