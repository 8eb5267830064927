from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vitrine.common.forms import errors_to_form
from vitrine.shops.opening import territory_today
from vitrine.shops.permissions import staff_required
from vitrine.tenancy.services import territory_announcement_set, territory_branding_update
from vitrine.territory.forms import AnnouncementForm, BrandingForm


def home(request: HttpRequest) -> HttpResponse:
    """The territory's home page: featured shops, the categories and the newest products."""
    from vitrine.catalog.selectors import (
        category_top_level,
        product_newest,
        shop_featured,
    )
    from vitrine.shops.selectors import shop_is_open

    today = territory_today()
    context = {
        "announcement": request.tenant.announcement_on(today),
        "featured": [{"shop": shop, "is_open": shop_is_open(shop)} for shop in shop_featured()],
        "categories": list(category_top_level()),
        "newest": product_newest(limit=10),
    }
    return render(request, "territory/home.html", context)


def territory_closed(request: HttpRequest) -> HttpResponse:
    """The page every URL of a suspended territory answers, in its own branding."""
    response = render(request, "territory/closed.html", {"closed": True}, status=503)
    response["Retry-After"] = "3600"
    return response


def branding(request: HttpRequest) -> HttpResponse:
    """Territory admins change their marketplace's name, hero text, colour and logo."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.role != request.user.Role.TERRITORY_ADMIN:
        raise PermissionDenied
    territory = request.tenant
    initial = {"name": territory.name, "hero_text": territory.hero_text, "primary_color": territory.primary_color}
    form = BrandingForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            territory_branding_update(territory=territory, actor=request.user, logo=form.cleaned_data["logo"],
                                      **{k: form.cleaned_data[k] for k in ("name", "hero_text", "primary_color")})
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Your marketplace's look is saved."))
            return redirect("branding")
    return render(request, "territory/manage/branding.html", {"form": form}, status=400 if form.errors else 200)


@staff_required
def announcement(request: HttpRequest) -> HttpResponse:
    """The territory team writes the announcement shown on the home page."""
    territory = request.tenant
    initial = {"text": territory.announcement, "link": territory.announcement_link, "until": territory.announcement_until}
    form = AnnouncementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            territory_announcement_set(territory=territory, actor=request.user, **form.cleaned_data,
                                       today=territory_today())
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The announcement is saved.") if form.cleaned_data["text"]
                             else _("The announcement is removed."))
            return redirect("announcement")
    return render(request, "territory/manage/announcement.html", {"form": form}, status=400 if form.errors else 200)
