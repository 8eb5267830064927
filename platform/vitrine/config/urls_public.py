"""URLs of the public hosts: the super-admin console."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib.auth import views as auth_views
from django.urls import include, path

from vitrine.accounts.forms import SignInForm
from vitrine.accounts.urls import views_two_factor_urls
from vitrine.accounts.views_two_factor import TwoFactorLoginView
from vitrine.common.throttling import throttle
from vitrine.common.views import csp_report, robots_closed, set_language
from vitrine.config.observability import healthz, livez, metrics
from vitrine.tenancy.views import tls_ask

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("metrics", metrics, name="metrics"),
    path("csp-rapport/", csp_report, name="csp_report"),
    path("robots.txt", robots_closed, name="robots_txt"),
    path("internal/tls-ask", tls_ask, name="tls-ask"),
    path("langue/", set_language, name="set_language"),
    path("stripe/webhooks/", include("vitrine.payments.urls_webhooks")),
    path(
        "connexion/",
        throttle("sign_in")(
            TwoFactorLoginView.as_view(template_name="console/login.html", authentication_form=SignInForm)
        ),
        name="login",
    ),
    *views_two_factor_urls,
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("vitrine.console.urls")),
] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
