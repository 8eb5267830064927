"""Settings shared by every environment. Integrations live in config/settings/."""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from vitrine.config.env import ROOT_DIR, TENANTS_DIR, THEMES_DIR, VAR_DIR, env  # noqa: F401 (settings: apps read these paths)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)

# Territories are served under <slug>.<BASE_DOMAIN>; the console on the public hosts.
BASE_DOMAIN = env("BASE_DOMAIN", default="localhost")
PUBLIC_HOSTS = env.list("PUBLIC_HOSTS", default=[BASE_DOMAIN, f"console.{BASE_DOMAIN}"])
# How links in emails reach a territory (https and no port behind the proxy).
SITE_SCHEME = env("SITE_SCHEME", default="http")
SITE_PORT = env("SITE_PORT", default="8000")
# Hosts are checked by the territory router (an unknown host gets a plain 404),
# which knows the custom domains that a static list cannot.
ALLOWED_HOSTS = ["*"]

# ---------------------------------------------------------------------------
# Tenancy: the public schema is the control plane, each territory a schema.
SHARED_APPS = [
    "vitrine.tenancy",  # first: its migrate_schemas also keeps the template schema current
    "django_tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "vitrine.common",
    "vitrine.accounts",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",  # the console's failed sign-ins (each territory keeps its own: TENANT_APPS)
    "django_ratelimit",
    "vitrine.theming",
    "vitrine.console",
    "vitrine.payments.inbox",  # Stripe's webhook events and which territory each account belongs to
    "vitrine.devtools",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "vitrine.accounts",
    # Two-factor devices live beside the accounts they belong to, in each schema.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "vitrine.notifications",
    "vitrine.audit",
    "vitrine.metrics",
    "vitrine.catalog",
    "vitrine.shops",
    "vitrine.imports",
    "vitrine.search",
    "vitrine.orders",
    "vitrine.payments",
    "vitrine.legal",
    "vitrine.privacy",
    "vitrine.pro",
    "vitrine.backoffice",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenancy.Territory"
TENANT_DOMAIN_MODEL = "tenancy.Domain"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# New territories are cloned from this migrated, empty schema (~10x faster than migrating).
TENANT_BASE_SCHEMA = "_template"
# How long migrate_schemas waits for provisionings and restores under way before migrating the
# template (tenancy.schemas.template_lock), then fails naming their sessions.
VITRINE_TEMPLATE_LOCK_WAIT_SECONDS = env.float("VITRINE_TEMPLATE_LOCK_WAIT_SECONDS", default=600.0)
TENANT_CREATION_FAKES_MIGRATIONS = True
# The search path is set once per connection and tenant switch, not on every cursor.
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "vitrine.config.urls_public"
ROOT_URLCONF = "vitrine.config.urls_territory"
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False

# DATABASES comes from the environment module (local/test fall back to the
# embedded PostgreSQL, production requires DATABASE_URL): see settings/database.py.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

MIDDLEWARE = [
    "vitrine.metrics.prometheus.RequestMetricsMiddleware",  # first: counts and times every request
    "vitrine.tenancy.middleware.TerritoryRoutingMiddleware",
    "vitrine.metrics.middleware.CountingMiddleware",  # a view's visit counts kept for a 200 GET only
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "vitrine.common.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "vitrine.common.middleware.RequestGuardMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "vitrine.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",  # a rate limit reached: the 429 page
    "axes.middleware.AxesMiddleware",  # a locked sign-in: the 429 page (last, per axes)
]

AUTH_USER_MODEL = "accounts.User"
# Axes first: a locked sign-in is refused before ModelBackend hashes the password.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]


def _totp_issuer(device) -> str:
    # Settings load before the apps: the accounts module is imported when a QR code is drawn.
    from vitrine.accounts.two_factor import totp_issuer

    return totp_issuer(device)


OTP_TOTP_ISSUER = _totp_issuer  # the territory's name in the authenticator app, or the console's
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Set-password links for new territory admins stay valid for a week.
PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": False,
        "OPTIONS": {
            # Lookup order: tenants/<schema>/templates -> themes/<theme>/templates -> apps.
            "loaders": ["vitrine.theming.loaders.ThemeAwareCachedLoader"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vitrine.theming.context_processors.theme",
                "vitrine.tenancy.context_processors.site",
                # Last: while a page is drawn to be cached, its CSRF token is a placeholder.
                "vitrine.common.pagecache.context_processor",
            ],
        },
    }
]

WSGI_APPLICATION = "vitrine.config.wsgi.application"

# ---------------------------------------------------------------------------
# Language: French by default on every page, English on request.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [Path(__file__).resolve().parents[2] / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Theme packs and territory folders ship their own static files under a prefix.
STATICFILES_DIRS = [(f"themes/{path.parent.name}", path) for path in sorted(THEMES_DIR.glob("*/static"))] + [
    (f"tenants/{path.parent.name}", path) for path in sorted(TENANTS_DIR.glob("*/static"))
]
# The apps' sheets for the shoppers' pages, served after the territory's tokens, base.css and its
# theme's sheet as one stylesheet (theming.services.territory_stylesheet): the only CSS that
# blocks their first paint.
SITE_STYLESHEETS = (
    "catalog/catalog.css",
    "search/search.css",
)
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]

# The only cookies the marketplace sets, all needed for it to work (no consent banner, and the
# privacy notice's defaults read these names and ages: vitrine.legal): the session (sign-in,
# cart), the CSRF token, and the language when a visitor picks one.
SESSION_COOKIE_AGE = 14 * 24 * 3600
CSRF_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
# Flash messages ride in the session rather than a cookie of their own.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Request bodies. The proxy refuses more than 20 MB (infra/Caddyfile, infra/nginx.conf); the app
# refuses a body above what the person may send before parsing it (common.middleware), and Django
# keeps at most this much of form fields (files apart) in memory.
VITRINE_MAX_BODY_BYTES = 20 * 1024 * 1024  # a signed-in merchant's photos or catalogue file
VITRINE_ANONYMOUS_MAX_BODY_BYTES = 256 * 1024  # sign-up, sign-in, checkout, a shop's application
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger files go to a temporary file

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "vitrine.common.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# LOG_FORMAT=json: one JSON object a line with the territory (vitrine.common.logs), what a log
# collector wants; production defaults to it. Every line carries the territory either way.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"territory": {"()": "vitrine.common.logs.TerritoryFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(territory)s] %(message)s"},
        "json": {"()": "vitrine.common.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["territory"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Axes tells every sign-in at INFO; its warnings (failures, lockouts) are the ones to keep.
        "axes": {"level": "WARNING"},
    },
}

from vitrine.config.settings.cache import *  # noqa: E402,F401,F403
from vitrine.config.settings.celery import *  # noqa: E402,F401,F403
from vitrine.config.settings.csp import *  # noqa: E402,F401,F403
from vitrine.config.settings.email import *  # noqa: E402,F401,F403
from vitrine.config.settings.observability import *  # noqa: E402,F401,F403
from vitrine.config.settings.sentry import *  # noqa: E402,F401,F403
from vitrine.config.settings.storage import *  # noqa: E402,F401,F403
from vitrine.config.settings.stripe import *  # noqa: E402,F401,F403
from vitrine.config.settings.throttling import *  # noqa: E402,F401,F403
