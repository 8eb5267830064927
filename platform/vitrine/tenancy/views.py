"""The one view of the control plane that answers on every host: the proxy's TLS question."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from vitrine.tenancy.models import Domain


@require_GET
def tls_ask(request: HttpRequest) -> HttpResponse:
    """For the proxy's on-demand TLS: 200 only for a domain a territory owns."""
    domain = request.GET.get("domain", "").lower()
    if domain and Domain.objects.filter(domain=domain).exists():
        return HttpResponse("ok", content_type="text/plain")
    return HttpResponse("unknown domain", status=404, content_type="text/plain")
