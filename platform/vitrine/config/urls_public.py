"""URLs of the public hosts: the super-admin console."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib.auth import views as auth_views
from django.urls import include, path

from vitrine.accounts.forms import SignInForm
from vitrine.common.views import healthz, set_language
from vitrine.tenancy.views import tls_ask

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("internal/tls-ask", tls_ask, name="tls-ask"),
    path("langue/", set_language, name="set_language"),
    path(
        "connexion/",
        auth_views.LoginView.as_view(template_name="console/login.html", authentication_form=SignInForm),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("vitrine.console.urls")),
] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
