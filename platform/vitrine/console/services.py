"""Provisioning a territory (schema, domains, branding, first admin) and the console's own accounts.

The one provisioning service, used by the command line, the demo and the console (through
a Celery task that records its progress).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import get_public_schema_name, schema_exists, tenant_context

from vitrine.accounts.lockouts import lockout_clear
from vitrine.accounts.models import User
from vitrine.accounts.services import user_invite
from vitrine.audit.services import audit_record
from vitrine.console.health import territory_health_compute
from vitrine.console.permissions import operator_check
from vitrine.tenancy.branding import (
    IMAGE_FIELDS,
    IdentityChange,
    identity_images_clean,
    identity_images_store,
    identity_texts_colours_check,
    territory_identity_update,
)
from vitrine.tenancy.models import AuditEntry, Domain, ProvisioningJob, Territory, TerritoryExport
from vitrine.tenancy.routing import routing_invalidate
from vitrine.tenancy.schemas import territory_schema_create
from vitrine.tenancy.services import console_log_record, default_domain, domain_check
from vitrine.theming.services import ThemeNotFound, theme_load

logger = logging.getLogger(__name__)

SLUG_RE = re.compile(r"^[a-z][a-z0-9]{1,39}$")
RESERVED_SLUGS = frozenset(
    {
        "public",
        "www",
        "console",
        "admin",
        "api",
        "static",
        "media",
        "mail",
        "smtp",
        "ftp",
        "app",
        "assets",
        "cdn",
        "status",
        "help",
        "support",
        "template",
        "information_schema",
        "postgres",
        "root",
        "test",
        "staging",
        "internal",
        "healthz",
        "shared",  # the cache's platform-wide keys start with it (settings CACHES["shared"])
        "vitrine",
    }
)

ProgressCallback = Callable[[str, int], None]
STASH_DIR = "provisioning"
STASH_RE = re.compile(rf"{STASH_DIR}/[0-9a-f]{{32}}/(logo|hero|favicon|social)\.(png|jpg|webp)")


@dataclass
class TerritoryRequest:
    """What it takes to provision a territory."""

    name: str
    slug: str
    contact_email: str
    admin_email: str
    kind: str = Territory.Kind.CITY
    theme: str = "metropole"
    primary_color: str = ""
    hero_text: str = ""
    custom_domains: list[str] = field(default_factory=list)
    header_color: str = ""
    accent_color: str = ""
    footer_text: str = ""
    # kind -> name of a checked image set aside by provisioning_images_stash (the job runs elsewhere)
    images: dict[str, str] = field(default_factory=dict)

    def normalised(self) -> TerritoryRequest:
        return TerritoryRequest(
            name=self.name.strip(),
            slug=self.slug.strip().lower(),
            contact_email=self.contact_email.strip().lower(),
            admin_email=self.admin_email.strip().lower(),
            kind=self.kind,
            theme=self.theme.strip(),
            primary_color=self.primary_color.strip().lower(),
            hero_text=" ".join(self.hero_text.split()),
            custom_domains=sorted({d.strip().lower().rstrip(".") for d in self.custom_domains if d.strip()}),
            header_color=self.header_color.strip().lower(),
            accent_color=self.accent_color.strip().lower(),
            footer_text=" ".join(self.footer_text.split()),
            images=dict(self.images),
        )


@dataclass(frozen=True)
class ProvisionResult:
    territory: Territory
    created: bool
    method: str  # "clone", "migrations", or "existing"


def territory_request_validate(request: TerritoryRequest) -> dict[str, list[str]]:
    """Check a provisioning request; return errors by field (empty when valid).

    A request naming an existing territory with the same name and admin is
    valid: provisioning it again is a no-op.
    """
    errors: dict[str, list[str]] = {}

    def add(field_name: str, message: str) -> None:
        errors.setdefault(field_name, []).append(message)

    if not request.name:
        add("name", _("Give the territory a name."))
    existing = Territory.objects.filter(schema_name__iexact=request.slug).first()
    if not SLUG_RE.match(request.slug):
        add(
            "slug",
            _(
                "The identifier must be 2 to 40 lowercase letters or digits, starting with a letter (for example nancy)."
            ),
        )
    elif request.slug in RESERVED_SLUGS or request.slug.startswith("pg") or request.slug == settings.TENANT_BASE_SCHEMA:
        add("slug", _("“%(slug)s” is reserved; choose another identifier.") % {"slug": request.slug})
    elif existing and not _same_request(existing, request):
        add(
            "slug",
            _("The identifier “%(slug)s” is already used by the territory %(name)s.")
            % {"slug": request.slug, "name": existing.name},
        )
    elif existing is None and schema_exists(request.slug):
        add("slug", _("A database schema named “%(slug)s” already exists.") % {"slug": request.slug})
    elif existing is None and (owner := _domain_owner(default_domain(request.slug))) is not None:
        # The new territory's address would already lead elsewhere: refused here, not in the worker.
        add(
            "slug",
            _(
                "The address “%(domain)s” is already a custom domain of the territory %(name)s; choose another identifier."
            )
            % {"domain": default_domain(request.slug), "name": owner.name},
        )
    if request.kind not in Territory.Kind.values:
        add(
            "kind",
            _("Choose a kind among: %(kinds)s.") % {"kinds": ", ".join(str(label) for label in Territory.Kind.labels)},
        )
    for field_name in ("contact_email", "admin_email"):
        try:
            validate_email(getattr(request, field_name))
        except ValidationError:
            add(field_name, _("Enter a valid email address."))
    try:
        theme = theme_load(request.theme)
    except ThemeNotFound:
        add("theme", _("There is no theme named “%(theme)s”.") % {"theme": request.theme})
    else:
        identity_errors = identity_texts_colours_check(
            base_tokens=dict(theme.tokens),
            theme_name=request.theme,
            hero_text=request.hero_text,
            footer_text=request.footer_text,
            primary_color=request.primary_color,
            header_color=request.header_color,
            accent_color=request.accent_color,
        )
        for field_name, messages in identity_errors.items():
            for message in messages:
                add(field_name, message)
    for kind, name in request.images.items():
        if kind not in IMAGE_FIELDS or not STASH_RE.fullmatch(name):
            add(kind if kind in IMAGE_FIELDS else "name", _("This image was not received; send it again."))
    if not errors.get("slug") and SLUG_RE.match(request.slug):
        for domain in request.custom_domains:
            if domain == default_domain(request.slug):
                continue
            for message in domain_check(domain, territory=existing):
                add("custom_domains", message)
    return errors


def _domain_owner(domain: str) -> Territory | None:
    found = Domain.objects.select_related("tenant").filter(domain=domain).first()
    return found.tenant if found else None


def _same_request(territory: Territory, request: TerritoryRequest) -> bool:
    if territory.name != request.name:
        return False
    with tenant_context(territory):
        return User.objects.filter(email=request.admin_email, role=User.Role.TERRITORY_ADMIN).exists()


def territory_provision(
    *,
    request: TerritoryRequest,
    actor: User | None = None,
    use_template: bool = True,
    on_progress: ProgressCallback | None = None,
) -> ProvisionResult:
    """Create a territory: schema, domains, branding and its first admin, all or nothing.

    Running it again with the same request returns the existing territory and
    changes nothing. The admin receives a set-password link by email once the
    transaction has committed.
    """
    request = request.normalised()
    progress = on_progress or (lambda step, percent: None)
    # Steps are stored untranslated and translated when shown (the console's language).
    progress(gettext_noop("Checking the request"), 5)
    errors = territory_request_validate(request)
    if errors:
        raise ValidationError(errors)

    existing = Territory.objects.filter(schema_name=request.slug).first()
    if existing is not None:
        return ProvisionResult(territory=existing, created=False, method="existing")

    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' connection
    with transaction.atomic():
        territory = Territory.objects.create(
            schema_name=request.slug,
            name=request.name,
            kind=request.kind,
            theme=request.theme,
            primary_color=request.primary_color,
            header_color=request.header_color,
            accent_color=request.accent_color,
            hero_text=request.hero_text,
            footer_text=request.footer_text,
            contact_email=request.contact_email,
        )
        if request.images:
            progress(gettext_noop("Storing the logo and images"), 15)
            _stashed_images_store(territory=territory, names=request.images)
        progress(gettext_noop("Creating the territory's database schema"), 20)
        method = territory_schema_create(schema_name=territory.schema_name, use_template=use_template)
        progress(gettext_noop("Adding domains"), 70)
        Domain.objects.create(domain=default_domain(request.slug), tenant=territory, is_primary=True)
        for domain in request.custom_domains:
            if domain != default_domain(request.slug):
                Domain.objects.create(domain=domain, tenant=territory, is_primary=False)
        progress(gettext_noop("Creating the territory's administrator"), 85)
        with tenant_context(territory):
            admin = User.objects.create_user(
                email=request.admin_email, role=User.Role.TERRITORY_ADMIN, password=None, is_staff=True
            )
            user_invite(user=admin, territory=territory)
        console_log_record(
            actor=actor,
            action="territory.provision",
            territory=territory,
            details={"slug": request.slug, "name": request.name, "method": method, "domains": request.custom_domains},
        )
        with tenant_context(territory):  # its row in the console's list at once, not at the next periodic run
            territory_health_compute()
        transaction.on_commit(routing_invalidate)
    logger.info("Provisioned territory %s by %s", territory.schema_name, method)
    progress(gettext_noop("Ready"), 100)
    return ProvisionResult(territory=territory, created=True, method=method)


@transaction.atomic
def console_user_delete(*, user: User) -> None:
    """Delete a platform operator's account (public schema), keeping the audit trail.

    The User model also lives in every territory's schema, where tables such as
    shop memberships point at it; Django's cascade would look for those tables
    in the public schema, where they do not exist. An operator has no rows
    there, so the account is deleted directly, after detaching what the public
    schema holds (audit lines keep the email, jobs keep their history).
    """
    if connection.schema_name != get_public_schema_name():  # type: ignore[attr-defined]  # django-tenants' connection
        raise RuntimeError("Console accounts live in the public schema.")
    AuditEntry.objects.filter(actor=user).update(actor=None)
    ProvisioningJob.objects.filter(requested_by=user).update(requested_by=None)
    TerritoryExport.objects.filter(requested_by=user).update(requested_by=None)
    user.groups.clear()
    user.user_permissions.clear()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk)._raw_delete(connection.alias)


@transaction.atomic
def console_sign_in_unlock(*, username: str, ip_address: str | None, actor: User) -> int:
    """Lift a locked console sign-in (an account name's failures from one address); operators only.

    Returns how many counts were forgotten: none when the lock had already ended.
    """
    operator_check(actor)
    if connection.schema_name != get_public_schema_name():  # type: ignore[attr-defined]  # django-tenants' connection
        raise RuntimeError("Console sign-ins are counted in the public schema.")
    cleared = lockout_clear(username=username, ip_address=ip_address)
    if cleared:
        console_log_record(actor=actor, action="sign_in.unlock", details={"email": username})
    return cleared


def provisioning_images_stash(*, images: dict) -> dict[str, str]:
    """Check the images sent with a provisioning request and set them aside for the job; kind -> stored name.

    The job runs in a worker, after the request: the uploads cannot travel in its parameters.
    Raise ValidationError (by field) when one is not an acceptable image.
    """
    clean, errors = identity_images_clean(images)
    if errors:
        raise ValidationError(errors)
    folder = f"{STASH_DIR}/{uuid.uuid4().hex}"
    return {kind: default_storage.save(f"{folder}/{image.name}", image.content) for kind, image in clean.items()}


def provisioning_images_discard(*, names: dict[str, str]) -> None:
    """Remove the images a provisioning job set aside (done or failed, they are not needed again)."""
    for name in names.values():
        if STASH_RE.fullmatch(name):
            default_storage.delete(name)


def _stashed_images_store(*, territory: Territory, names: dict[str, str]) -> None:
    files = {kind: default_storage.open(name) for kind, name in names.items()}
    try:
        clean, errors = identity_images_clean(files)  # checked when sent; checked again, they come from storage
        if errors:
            raise ValidationError(errors)
        territory.save(update_fields=identity_images_store(territory=territory, images=clean))
    finally:
        for opened in files.values():
            opened.close()


@transaction.atomic
def console_territory_identity_update(*, territory: Territory, actor: User, change: IdentityChange) -> Territory:
    """A platform operator changes a territory's identity (the same rule as its own team's page)."""
    if not actor.is_staff or connection.schema_name != get_public_schema_name():  # type: ignore[attr-defined]
        raise PermissionDenied("Platform operators only, from the console.")
    territory, details = territory_identity_update(territory=territory, change=change, actor=actor)
    # The team reads its own trail: it says the platform changed their look, and who.
    with tenant_context(territory):
        audit_record(
            actor=None,
            actor_label=actor.email,
            verb="territory.branding",
            obj=territory,
            payload={"name": territory.name, "by": "console", **details},
        )
    return territory
