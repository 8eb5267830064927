"""URLs of a territory's host: its marketplace."""
from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path

from vitrine.common.views import healthz, set_language

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("langue/", set_language, name="set_language"),
    path("compte/", include("vitrine.accounts.urls")),
    path("", include("vitrine.territory.urls")),
    path("", include("vitrine.theming.urls")),
] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
