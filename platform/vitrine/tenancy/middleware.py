"""Route each request to its territory's schema by Host, before anything else runs."""

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.http.request import split_domain_port
from django.shortcuts import render
from django.urls import set_urlconf

from vitrine.tenancy.routing import MAX_ENTRIES, territory_for_host

# Health checks, the Prometheus scrape and the proxy's TLS question come with whatever Host they
# have (a pod's address, web:8000): answered on the public schema, whatever the host.
HOSTLESS_PATHS = frozenset({"/healthz", "/livez", "/metrics", "/internal/tls-ask"})
OPEN_WHEN_SUSPENDED = frozenset({"/langue/"})  # the closed page can still switch language
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNKNOWN_HOST_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Page introuvable</title><style>body{font-family:system-ui,sans-serif;margin:2rem;line-height:1.5}</style></head>
<body><h1>Page introuvable</h1><p>Aucune place de marché n'est servie à cette adresse.</p></body></html>"""


class TerritoryRoutingMiddleware:
    """Host -> Domain -> Territory, from a cache; set the schema and the URLconf.

    Public hosts (the console) use the public schema. An unknown host gets a
    plain 404 and a suspended territory a 503 page in its own branding: neither
    ever falls back to another territory.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.public_hosts = {host.lower() for host in settings.PUBLIC_HOSTS}
        self.use_forwarded_host = settings.USE_X_FORWARDED_HOST
        # Raw Host header -> bare host name. Parsing and validating the header is
        # about half of routing's cost; the same header always gives the same name.
        self.hosts: dict[str, str] = {}

    def _host(self, request: HttpRequest) -> str:
        meta = request.META
        raw = meta.get("HTTP_HOST", "")
        if self.use_forwarded_host:
            raw = f"{meta.get('HTTP_X_FORWARDED_HOST', '')}|{raw}"
        host = self.hosts.get(raw) if raw else None
        if host is None:
            try:
                host, _port = split_domain_port(request.get_host())
            except DisallowedHost:
                host = ""
            if raw:  # without a Host header the name comes from SERVER_NAME: not cached
                if len(self.hosts) >= MAX_ENTRIES:
                    self.hosts.clear()
                self.hosts[raw] = host
        return host

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in HOSTLESS_PATHS:
            # The container health check and the proxy's TLS question come with
            # whatever Host they have (127.0.0.1, web:8000): answer on public.
            return self._serve_public(request)
        host = self._host(request)
        if host in self.public_hosts:
            return self._serve_public(request)

        territory = territory_for_host(host)
        if territory is None:
            connection.set_schema_to_public()
            return HttpResponseNotFound(UNKNOWN_HOST_PAGE)
        request.tenant = territory
        connection.set_tenant(territory)
        if territory.is_archived:
            # Archived (leaving the platform): pages still read, nothing is written any more.
            if request.method not in READ_METHODS and request.path_info not in OPEN_WHEN_SUSPENDED:
                return territory_read_only(request)
        elif not territory.is_active and request.path_info not in OPEN_WHEN_SUSPENDED:
            return territory_closed(request)
        return self.get_response(request)

    def _serve_public(self, request: HttpRequest) -> HttpResponse:
        connection.set_schema_to_public()
        request.tenant = None
        request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
        set_urlconf(request.urlconf)
        return self.get_response(request)


def territory_closed(request: HttpRequest) -> HttpResponse:
    """Answer every URL of a suspended territory with its "closed for now" page, in its own branding."""
    response = render(request, "territory/closed.html", {"closed": True}, status=503)
    response["Retry-After"] = "3600"
    return response


def territory_read_only(request: HttpRequest) -> HttpResponse:
    """Answer a write to an archived territory: a 503 in its branding saying the site is read-only."""
    response = render(request, "territory/archived.html", {"closed": True}, status=503)
    response["Retry-After"] = "86400"
    return response
