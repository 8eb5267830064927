from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The territory's home page, in its theme (shops and products come with later work)."""
    return render(request, "territory/home.html")


def territory_closed(request: HttpRequest) -> HttpResponse:
    """The page every URL of a suspended territory answers, in its own branding."""
    response = render(request, "territory/closed.html", status=503)
    response["Retry-After"] = "3600"
    return response
