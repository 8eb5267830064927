"""The merchant area (/pro/): storefront profile, photos, hours, team (joining and the dashboard: vitrine.pro).

Every page loads the signed-in merchant's own shop (request.shop, set by
merchant_required) and only ever looks rows up inside it: another shop's ids
give 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vitrine.common.forms import errors_to_form, form_apply, form_render
from vitrine.common.html import description_for_editing
from vitrine.shops.forms import (
    ClosingForm,
    HoursForm,
    PhotoAltForm,
    SalesModeField,
    ShopPhotoForm,
    ShopProfileForm,
    TeamInviteForm,
)
from vitrine.shops.hours import shop_closing_add, shop_closing_remove, shop_hours_set, weekday_names
from vitrine.shops.models import ClosingPeriod, Shop, ShopMember, ShopPhoto
from vitrine.shops.permissions import merchant_required
from vitrine.shops.selectors import shop_member_list
from vitrine.shops.storefront import (
    shop_photo_add,
    shop_photo_delete,
    shop_photo_move,
    shop_photo_update,
    shop_profile_update,
)
from vitrine.shops.team import shop_member_invite, shop_member_remove

# --- Storefront profile (owner) -----------------------------------------------------------


def _profile_initial(shop: Shop) -> dict:
    return {
        "description": description_for_editing(shop.description),
        "sale_conditions": description_for_editing(shop.sale_conditions),
        "phone": shop.phone,
        "website": shop.website,
        "sales_mode": SalesModeField.initial_for(shop),
    }


@merchant_required(owner_only=True)
def shop_profile(request: HttpRequest) -> HttpResponse:
    """The owner edits their storefront: description, contact, logo, photos, how they sell."""
    shop = request.shop
    form = ShopProfileForm(request.POST or None, request.FILES or None, initial=_profile_initial(shop))
    saved = form_apply(
        request,
        form,
        lambda: shop_profile_update(
            shop=shop,
            actor=request.user,
            profile=form.profile(),
            logo=form.cleaned_data["logo"],
            logo_clear=form.cleaned_data["logo_clear"],
        ),
        done=_("Your storefront is saved."),
        then="shop_profile",
    )
    if saved:
        return saved
    shop.refresh_from_db()  # a refused logo leaves the saved one on the page
    return _profile_page(request, form=form, photo_form=ShopPhotoForm())


def _profile_page(request, *, form, photo_form) -> HttpResponse:
    context = {"shop": request.shop, "form": form, "photo_form": photo_form, "photos": request.shop.photos.all()}
    return form_render(request, "shops/merchant/profile.html", context, form, photo_form)


@merchant_required(owner_only=True)
@require_POST
def shop_photo_add_view(request: HttpRequest) -> HttpResponse:
    shop = request.shop
    photo_form = ShopPhotoForm(request.POST, request.FILES)
    added = form_apply(
        request,
        photo_form,
        lambda: shop_photo_add(
            shop=shop, actor=request.user, upload=photo_form.cleaned_data["photo"], alt=photo_form.cleaned_data["alt"]
        ),
        done=_("The photo is added."),
        then=reverse("shop_profile") + "#photos",
    )
    return added or _profile_page(request, form=ShopProfileForm(initial=_profile_initial(shop)), photo_form=photo_form)


def _own_photo(request, pk: int) -> ShopPhoto:
    return get_object_or_404(ShopPhoto.objects.select_related("shop"), pk=pk, shop=request.shop)


@merchant_required(owner_only=True)
@require_POST
def shop_photo_edit(request: HttpRequest, pk: int) -> HttpResponse:
    photo = _own_photo(request, pk)
    if "direction" in request.POST:
        shop_photo_move(photo=photo, actor=request.user, direction=request.POST["direction"])
    else:
        form = PhotoAltForm(request.POST)
        if form.is_valid():
            shop_photo_update(photo=photo, actor=request.user, alt=form.cleaned_data["alt"])
            messages.success(request, _("The photo's description is saved."))
    return redirect(reverse("shop_profile") + "#photos")


@merchant_required(owner_only=True)
@require_POST
def shop_photo_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    shop_photo_delete(photo=_own_photo(request, pk), actor=request.user)
    messages.success(request, _("The photo is removed."))
    return redirect(reverse("shop_profile") + "#photos")


# --- Opening hours (owner and employees) -----------------------------------------------------


@merchant_required
def shop_hours(request: HttpRequest) -> HttpResponse:
    """Weekly opening hours (several ranges a day) and closing periods."""
    shop = request.shop
    ranges = [(r.weekday, r.opens, r.closes) for r in shop.opening_ranges.all()]
    form = HoursForm(request.POST or None, initial=HoursForm.initial_from(ranges))
    saved = form_apply(
        request,
        form,
        lambda: shop_hours_set(shop=shop, ranges=form.ranges, actor=request.user),
        done=_("Your opening hours are saved."),
        then="shop_hours",
    )
    return saved or _hours_page(request, form=form, closing_form=ClosingForm())


def _hours_page(request, *, form, closing_form) -> HttpResponse:
    shop = request.shop
    return form_render(
        request,
        "shops/merchant/hours.html",
        {
            "shop": shop,
            "form": form,
            "closing_form": closing_form,
            "closings": shop.closing_periods.order_by("starts_on"),
            "weekdays": weekday_names(),
        },
        form,
        closing_form,
    )


@merchant_required
@require_POST
def shop_closing_add_view(request: HttpRequest) -> HttpResponse:
    shop = request.shop
    closing_form = ClosingForm(request.POST)
    added = form_apply(
        request,
        closing_form,
        lambda: shop_closing_add(shop=shop, actor=request.user, **closing_form.cleaned_data),
        done=_("The closing period is added."),
        then=reverse("shop_hours") + "#fermetures",
    )
    if added:
        return added
    ranges = [(r.weekday, r.opens, r.closes) for r in shop.opening_ranges.all()]
    return _hours_page(request, form=HoursForm(initial=HoursForm.initial_from(ranges)), closing_form=closing_form)


@merchant_required
@require_POST
def shop_closing_delete(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(ClosingPeriod.objects.select_related("shop"), pk=pk, shop=request.shop)
    shop_closing_remove(period=period, actor=request.user)
    messages.success(request, _("The closing period is removed."))
    return redirect(reverse("shop_hours") + "#fermetures")


# --- Team (owner) ---------------------------------------------------------------------------


@merchant_required(owner_only=True)
def shop_team(request: HttpRequest) -> HttpResponse:
    """The owner invites employees by email and removes them."""
    shop = request.shop
    form = TeamInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = shop_member_invite(shop=shop, actor=request.user, email=form.cleaned_data["email"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request, _("%(email)s is in your team; they received an email.") % {"email": member.user.email}
            )
            return redirect("shop_team")
    return form_render(
        request, "shops/merchant/team.html", {"shop": shop, "form": form, "members": shop_member_list(shop=shop)}, form
    )


@merchant_required(owner_only=True)
@require_POST
def shop_team_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(ShopMember.objects.select_related("shop", "user"), pk=pk, shop=request.shop)
    try:
        shop_member_remove(member=member, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(email)s no longer has access to the shop.") % {"email": member.user.email})
    return redirect("shop_team")
