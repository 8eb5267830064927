"""Writes on the control plane: provisioning, suspension, domains, audit."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils.translation import gettext as _, gettext_noop
from django_tenants.utils import get_public_schema_name, schema_exists, tenant_context

from vitrine.accounts.models import User
from vitrine.accounts.services import user_invite
from vitrine.common.images import ImageRejected, image_clean
from vitrine.tenancy.models import AuditEntry, Domain, ProvisioningJob, Territory
from vitrine.tenancy.routing import routing_invalidate
from vitrine.tenancy.schemas import territory_schema_create
from vitrine.theming.services import ThemeNotFound, primary_color_check, theme_load

logger = logging.getLogger(__name__)

SLUG_RE = re.compile(r"^[a-z][a-z0-9]{1,39}$")
RESERVED_SLUGS = frozenset(
    {
        "public", "www", "console", "admin", "api", "static", "media", "mail", "smtp", "ftp", "app",
        "assets", "cdn", "status", "help", "support", "template", "information_schema", "postgres", "root",
        "test", "staging", "internal", "healthz", "vitrine",
    }
)
# RFC 1123 host names: labels of letters, digits and hyphens, a dot between.
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")

ProgressCallback = Callable[[str, int], None]


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

    def normalised(self) -> TerritoryRequest:
        return TerritoryRequest(
            name=self.name.strip(),
            slug=self.slug.strip().lower(),
            contact_email=self.contact_email.strip().lower(),
            admin_email=self.admin_email.strip().lower(),
            kind=self.kind,
            theme=self.theme.strip(),
            primary_color=self.primary_color.strip().lower(),
            hero_text=self.hero_text.strip(),
            custom_domains=sorted({d.strip().lower().rstrip(".") for d in self.custom_domains if d.strip()}),
        )


@dataclass(frozen=True)
class ProvisionResult:
    territory: Territory
    created: bool
    method: str  # "clone", "migrations", or "existing"


def default_domain(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def domain_check(domain: str, *, territory: Territory | None = None) -> list[str]:
    """Return what is wrong with a host name for a territory (an empty list when nothing)."""
    errors = []
    if not DOMAIN_RE.match(domain):
        errors.append(_("“%(domain)s” is not a valid domain name (for example achetez.grandnancy.fr).") % {"domain": domain})
    elif domain in {h.lower() for h in settings.PUBLIC_HOSTS}:
        errors.append(_("“%(domain)s” is reserved for the platform.") % {"domain": domain})
    else:
        taken = Domain.objects.filter(domain=domain)
        if territory is not None and territory.pk:
            taken = taken.exclude(tenant=territory)
        if taken.exists():
            errors.append(_("The domain “%(domain)s” is already used by another territory.") % {"domain": domain})
    return errors


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
        add("slug", _("The identifier must be 2 to 40 lowercase letters or digits, starting with a letter (for example nancy)."))
    elif request.slug in RESERVED_SLUGS or request.slug.startswith("pg") or request.slug == settings.TENANT_BASE_SCHEMA:
        add("slug", _("“%(slug)s” is reserved; choose another identifier.") % {"slug": request.slug})
    elif existing and not _same_request(existing, request):
        add("slug", _("The identifier “%(slug)s” is already used by the territory %(name)s.") % {"slug": request.slug, "name": existing.name})
    elif existing is None and schema_exists(request.slug):
        add("slug", _("A database schema named “%(slug)s” already exists.") % {"slug": request.slug})
    if request.kind not in Territory.Kind.values:
        add("kind", _("Choose a kind among: %(kinds)s.") % {"kinds": ", ".join(str(label) for label in Territory.Kind.labels)})
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
        if request.primary_color:
            message = primary_color_check(request.primary_color, theme=theme)
            if message:
                add("primary_color", message)
    if not errors.get("slug") and SLUG_RE.match(request.slug):
        for domain in request.custom_domains:
            if domain == default_domain(request.slug):
                continue
            for message in domain_check(domain, territory=existing):
                add("custom_domains", message)
    return errors


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

    connection.set_schema_to_public()
    with transaction.atomic():
        territory = Territory.objects.create(
            schema_name=request.slug,
            name=request.name,
            kind=request.kind,
            theme=request.theme,
            primary_color=request.primary_color,
            hero_text=request.hero_text,
            contact_email=request.contact_email,
        )
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
        audit_record(
            actor=actor,
            action="territory.provision",
            territory=territory,
            details={"slug": request.slug, "name": request.name, "method": method, "domains": request.custom_domains},
        )
        transaction.on_commit(routing_invalidate)
    logger.info("Provisioned territory %s by %s", territory.schema_name, method)
    progress(gettext_noop("Ready"), 100)
    return ProvisionResult(territory=territory, created=True, method=method)


@transaction.atomic
def territory_set_status(*, territory: Territory, status: str, actor: User | None, reason: str = "") -> Territory:
    """Suspend or resume a territory; a suspended one answers 503 on every page."""
    if status not in Territory.Status.values:
        raise ValidationError(_("Unknown status “%(status)s”.") % {"status": status})
    if territory.status == status:
        return territory
    territory.status = status
    territory.save(update_fields=["status", "updated_at"])
    action = "territory.suspend" if status == Territory.Status.SUSPENDED else "territory.resume"
    audit_record(actor=actor, action=action, territory=territory, details={"reason": reason} if reason else {})
    transaction.on_commit(routing_invalidate)
    return territory


@transaction.atomic
def domain_add(*, territory: Territory, domain: str, actor: User | None, make_primary: bool = False) -> Domain:
    """Attach a custom domain to a territory, optionally as its primary one."""
    domain = domain.strip().lower().rstrip(".")
    errors = domain_check(domain, territory=territory)
    if errors:
        raise ValidationError({"domain": errors})
    record, _created = Domain.objects.get_or_create(domain=domain, tenant=territory, defaults={"is_primary": False})
    if make_primary and not record.is_primary:
        Domain.objects.filter(tenant=territory, is_primary=True).update(is_primary=False)
        record.is_primary = True
        record.save(update_fields=["is_primary"])
    audit_record(actor=actor, action="domain.add", territory=territory, details={"domain": domain, "primary": make_primary})
    transaction.on_commit(routing_invalidate)
    return record


def audit_record(
    *, actor: User | None, action: str, territory: Territory | None = None, details: dict | None = None,
    actor_email: str = "",
) -> AuditEntry:
    """Write one line of the audit log (in the caller's transaction)."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_email=actor_email or getattr(actor, "email", "") or "system",
        action=action,
        territory=territory,
        details=details or {},
    )


LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4_000_000


@transaction.atomic
def territory_branding_update(
    *, territory: Territory, actor: User, name: str, hero_text: str, primary_color: str, logo=None
) -> Territory:
    """Change a territory's name, hero text, primary colour and logo (all checked first)."""
    errors: dict[str, list[str]] = {}
    name, hero_text, primary_color = name.strip(), hero_text.strip(), primary_color.strip().lower()
    if not name:
        errors["name"] = [_("Give the territory a name.")]
    if primary_color:
        message = primary_color_check(primary_color, theme=theme_load(territory.theme))
        if message:
            errors["primary_color"] = [message]
    clean_logo = None
    if logo is not None:
        try:
            clean_logo = image_clean(logo, max_bytes=LOGO_MAX_BYTES, max_pixels=LOGO_MAX_PIXELS)
        except ImageRejected as exc:
            errors["logo"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    territory.name, territory.hero_text, territory.primary_color = name, hero_text, primary_color
    fields = ["name", "hero_text", "primary_color", "updated_at"]
    if clean_logo is not None:
        territory.logo.save(f"logo.{clean_logo.extension}", clean_logo.content, save=False)
        fields.append("logo")
    territory.save(update_fields=fields)
    # The actor is a territory account (not in the public schema): named by email only.
    audit_record(actor=None, actor_email=actor.email, action="territory.branding", territory=territory,
                 details={"primary_color": primary_color, "logo": logo is not None})
    transaction.on_commit(routing_invalidate)
    return territory


@transaction.atomic
def territory_announcement_set(
    *, territory: Territory, actor: User, text: str, link: str = "", until: date | None = None, today: date
) -> Territory:
    """Set (or clear, with an empty text) the announcement on the territory's home page."""
    text, link = " ".join(text.split()), link.strip()
    errors: dict[str, list[str]] = {}
    if len(text) > 280:
        errors["text"] = [_("Keep the announcement under 280 characters (it has %(n)s).") % {"n": len(text)}]
    local = re.fullmatch(r"/(?![/\\])\S*", link)  # a page of this site; "//x" and "/\x" lead elsewhere
    if link and not local and not re.fullmatch(r"https://[^\s/\\]+\S*", link):
        errors["link"] = [_("Give a page of the marketplace (starting with /) or a full address starting with https://.")]
    if link and not text:
        errors["text"] = [_("Write the announcement the link goes with.")]
    if until is not None and until < today:
        errors["until"] = [_("This date is past: choose today or a later day, or leave it empty.")]
    if errors:
        raise ValidationError(errors)
    # A fresh copy: the caller's may be the routing cache's, shared by every request of this process.
    territory = Territory.objects.select_for_update().get(pk=territory.pk)
    territory.announcement, territory.announcement_link = text, link if text else ""
    territory.announcement_until = until if text else None
    territory.save(update_fields=["announcement", "announcement_link", "announcement_until", "updated_at"])
    audit_record(actor=None, actor_email=actor.email, action="territory.announcement", territory=territory,
                 details={"text": text, "until": until.isoformat() if until else None})
    transaction.on_commit(routing_invalidate)  # request.tenant comes from the routing cache
    return territory


@transaction.atomic
def console_user_delete(*, user: User) -> None:
    """Delete a platform operator's account (public schema), keeping the audit trail.

    The User model also lives in every territory's schema, where tables such as
    shop memberships point at it; Django's cascade would look for those tables
    in the public schema, where they do not exist. An operator has no rows
    there, so the account is deleted directly, after detaching what the public
    schema holds (audit lines keep the email, jobs keep their history).
    """
    if connection.schema_name != get_public_schema_name():
        raise RuntimeError("Console accounts live in the public schema.")
    AuditEntry.objects.filter(actor=user).update(actor=None)
    ProvisioningJob.objects.filter(requested_by=user).update(requested_by=None)
    user.groups.clear()
    user.user_permissions.clear()
    User.objects.filter(pk=user.pk)._raw_delete(connection.alias)
