"""The merchant's catalogue pages (/pro/produits/): thin views over the catalogue's services.

Every view is behind merchant_required, which sets request.shop to the member's own
shop; products are always looked up within it, so another shop's product is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vitrine.catalog import pending, selectors, services
from vitrine.catalog.forms import (
    PhotoAltForm,
    PhotoUploadForm,
    ProductForm,
    QuickAddForm,
    variants_from_post,
)
from vitrine.catalog.models import Product, ProductPhoto, Variant
from vitrine.catalog.templatetags.catalog_tags import price_input
from vitrine.catalog.views_public import product_page_context, storefront_context
from vitrine.common.forms import errors_to_form
from vitrine.common.text import whole_number
from vitrine.shops.permissions import merchant_required


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@merchant_required
def products(request: HttpRequest) -> HttpResponse:
    """The shop's products with their status, searchable by title or reference."""
    query = request.GET.get("q", "").strip()
    context = {
        "shop": request.shop,
        "products": selectors.product_list_for_shop(shop=request.shop, query=query),
        "counts": selectors.product_status_counts(shop=request.shop),
        "query": query,
    }
    return render(request, "catalog/merchant/products.html", context)


def _product_form_page(request, *, form, product, variants, variant_errors, status=200):
    context = {
        "shop": request.shop,
        "form": form,
        "product": product,
        "variants": variants,
        "variant_errors": variant_errors,
        "photo_form": PhotoUploadForm(),
    }
    return render(request, "catalog/merchant/product_form.html", context, status=status)


@merchant_required
def product_create(request: HttpRequest) -> HttpResponse:
    form = ProductForm(request.POST or None, request.FILES or None, initial={"category": request.shop.category_id})
    variants, variant_errors = variants_from_post(request.POST) if request.method == "POST" else [], []
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(
                shop=request.shop,
                data=form.product_data(variants),
                actor=request.user,
                photos=form.cleaned_data["photos"],
            )
        except ValidationError as exc:
            variant_errors = form.add_service_errors(exc)
        else:
            messages.success(request, _("“%(title)s” is saved.") % {"title": product.title})
            return redirect("product_edit", pk=product.pk)
    return _product_form_page(
        request,
        form=form,
        product=None,
        variants=variants,
        variant_errors=variant_errors,
        status=400 if request.method == "POST" else 200,
    )


@merchant_required
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(selectors.product_of_shop(shop=request.shop), pk=pk)
    initial = {
        "title": product.title,
        "price": price_input(product.price),
        "vat_rate": str(product.vat_rate),
        "category": product.category_id,
        "status": product.status,
        "availability": product.availability,
        "stock": product.stock,
        "sku": product.sku,
        "description": product.description,
    }
    form = ProductForm(request.POST or None, initial=initial, with_photos=False)
    variant_errors: list[str] = []
    if request.method == "POST":
        variants = variants_from_post(request.POST)
        if form.is_valid():
            try:
                services.product_update(product=product, data=form.product_data(variants), actor=request.user)
            except ValidationError as exc:
                variant_errors = form.add_service_errors(exc)
            else:
                messages.success(request, _("“%(title)s” is saved.") % {"title": form.cleaned_data["title"]})
                return redirect("product_edit", pk=product.pk)
        return _product_form_page(
            request, form=form, product=product, variants=variants, variant_errors=variant_errors, status=400
        )
    variants = [
        {"name": v.name, "price": price_input(v.price), "stock": v.stock, "sku": v.sku} for v in product.variants.all()
    ]
    return _product_form_page(request, form=form, product=product, variants=variants, variant_errors=[])


@merchant_required
@require_GET
def product_variant_row(request: HttpRequest) -> HttpResponse:
    """One empty variant row, appended to the form by htmx."""
    return render(request, "catalog/merchant/_variant_row.html", {"variant": {}})


@merchant_required
def product_quick_add(request: HttpRequest) -> HttpResponse:
    """A photo, a title, a price: a published product in under a minute, from a phone.

    Sent back with an error (a price mistyped), the page keeps the photo already taken
    (catalog.pending): the merchant corrects the price and never takes the photo again.
    """
    form = QuickAddForm(request.POST or None, request.FILES or None)
    token = ""
    if request.method == "POST":
        valid = form.is_valid()
        photo = form.cleaned_data.get("photo")
        token = request.POST.get("photo_token", "")
        kept = pending.pending_photo_open(shop=request.shop, token=token) if photo is None else None
        if valid:
            try:
                product = services.product_quick_add(
                    shop=request.shop,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    price=form.cleaned_data["price"],
                    photo=photo or kept,
                )
            except ValidationError as exc:
                errors_to_form(form, exc, fields={"photos": "photo"})
            else:
                pending.pending_photo_discard(shop=request.shop, token=token)
                # the page itself says it is online (with the photo), ready for the next one
                return redirect(f"{reverse('product_quick_add')}?ajoute={product.pk}")
        if photo is not None and "photo" not in form.errors:
            pending.pending_photo_discard(shop=request.shop, token=token)  # a new photo replaces the kept one
            try:
                token = pending.pending_photo_keep(shop=request.shop, upload=photo)
            except ValidationError as exc:
                errors_to_form(form, exc)
                token = ""
        elif kept is None or "photo" in form.errors:
            token = ""
    added = None
    if (added_pk := whole_number(request.GET.get("ajoute"))) is not None:
        added = selectors.product_of_shop(shop=request.shop).filter(pk=added_pk).first()
    return render(
        request,
        "catalog/merchant/quick_add.html",
        {
            "shop": request.shop,
            "form": form,
            "added": added,
            "photo_token": token,
            "photo_kept_url": pending.pending_photo_url(shop=request.shop, token=token) if token else "",
        },
        status=400 if form.errors else 200,
    )


# --- Photos of an existing product ---------------------------------------------------------


def _photos_response(request, product: Product, *, errors=(), status=200) -> HttpResponse:
    if _is_htmx(request):
        product = selectors.product_of_shop(shop=request.shop).get(pk=product.pk)
        return render(
            request,
            "catalog/merchant/_photos.html",
            {"product": product, "photo_form": PhotoUploadForm(), "photo_errors": errors},
            status=status,
        )
    for error in errors:
        messages.error(request, error)
    return redirect(f"{reverse('product_edit', args=[product.pk])}#photos")


def _own_photo(request, pk: int, photo_pk: int) -> ProductPhoto:
    return get_object_or_404(
        ProductPhoto.objects.select_related("product__shop"), pk=photo_pk, product_id=pk, product__shop=request.shop
    )


@merchant_required
@require_POST
def product_photos_upload(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("shop"), pk=pk, shop=request.shop)
    form = PhotoUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _photos_response(
            request, product, errors=[e for errors in form.errors.values() for e in errors], status=400
        )
    try:
        services.product_photos_add(product=product, uploads=form.cleaned_data["photos"], actor=request.user)
    except ValidationError as exc:
        return _photos_response(request, product, errors=exc.messages, status=400)
    return _photos_response(request, product)


@merchant_required
@require_POST
def product_photo_delete(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    photo = _own_photo(request, pk, photo_pk)
    services.product_photo_delete(photo=photo, actor=request.user)
    return _photos_response(request, photo.product)


@merchant_required
@require_POST
def product_photo_move(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    photo = _own_photo(request, pk, photo_pk)
    services.product_photo_move(
        photo=photo, actor=request.user, offset=-1 if request.POST.get("direction") == "up" else 1
    )
    return _photos_response(request, photo.product)


@merchant_required
@require_POST
def product_photo_alt(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    photo = _own_photo(request, pk, photo_pk)
    form = PhotoAltForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.product_photo_alt_set(photo=photo, actor=request.user, alt=form.cleaned_data["alt"])
    except ValidationError as exc:
        return _photos_response(request, photo.product, errors=exc.messages, status=400)
    return _photos_response(request, photo.product)


# --- See it as a shopper -----------------------------------------------------------------------


@merchant_required
def product_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The product page exactly as shoppers see it, even for a draft, with a preview banner."""
    product = get_object_or_404(selectors.product_of_shop(shop=request.shop), pk=pk)
    return render(request, "catalog/public/product_detail.html", product_page_context(product, preview=True))


@merchant_required
def storefront_preview(request: HttpRequest) -> HttpResponse:
    """The storefront exactly as shoppers see it (approved or not yet), with a preview banner."""
    shop = selectors.shop_public_get(slug=request.shop.slug, include_unapproved=True)
    if shop is None:
        raise Http404
    return render(request, "catalog/public/shop_detail.html", storefront_context(request, shop, preview=True))


@merchant_required
@require_POST
def product_try_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A dry run of "add to cart": would a shopper succeed? No cart, no order, nothing written."""
    product = get_object_or_404(selectors.product_of_shop(shop=request.shop), pk=pk)
    variant = None
    if (variant_pk := whole_number(request.POST.get("variant"))) is not None:
        variant = Variant.objects.filter(pk=variant_pk, product=product).first()
    try:
        quantity = int(request.POST.get("quantity") or 1)
    except ValueError:
        quantity = 0
    result = selectors.product_purchasable(product, variant, quantity=quantity)
    template = "catalog/public/_try_add_result.html"
    if _is_htmx(request):
        return render(request, template, {"result": result})
    (messages.success if result.ok else messages.error)(
        request, _("OK: a shopper could add this to the cart.") if result.ok else result.reason
    )
    return redirect("product_preview", pk=product.pk)
