"""Writes on carts: add, change, remove a line; a visitor's cart merged into the account's at sign-in.

A line never asks for more than is available now (selectors.available_quantity); the stock
itself is taken only at checkout (orders.checkout).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.catalog.models import Product, Variant
from vitrine.orders.models import Cart, CartLine
from vitrine.orders.selectors import available_quantity
from vitrine.shops.models import Shop


class CartError(ValidationError):
    """A cart change that cannot be made; the message is for the shopper.

    Its code names the product form's field at fault ("variant", "quantity"), so the product
    page can say it next to that field.
    """


def cart_create(*, user: User | None = None) -> Cart:
    """Make a new cart: the account's when signed in (one per account), else a visitor's."""
    if user is not None:
        cart, _created = Cart.objects.get_or_create(user=user)
        return cart
    return Cart.objects.create()


def product_sellable_check(*, product: Product) -> None:
    """Refuse a product that cannot be ordered: unpublished, or its shop does not take orders (Shop.takes_orders)."""
    shop = product.shop
    if product.status != Product.Status.PUBLISHED or shop.status != Shop.Status.APPROVED:
        raise CartError(_("This product is not for sale."))
    if not shop.takes_orders:
        raise CartError(_("%(shop)s does not take orders online: visit the shop or call it.") % {"shop": shop.name})


def _sellable_product(product_id) -> Product:
    try:
        product_id = int(product_id)
    except (TypeError, ValueError):
        raise CartError(_("This product does not exist on this marketplace.")) from None
    product = Product.objects.select_related("shop").filter(pk=product_id).first()
    if product is None:
        raise CartError(_("This product does not exist on this marketplace."))
    product_sellable_check(product=product)
    return product


def _variant_for(product: Product, variant_id) -> Variant | None:
    has_variants = product.variants.exists()
    if variant_id in (None, ""):
        if has_variants:
            raise CartError(_("Choose a variant first (e.g. a size)."), code="variant")
        return None
    try:
        variant_id = int(variant_id)
    except (TypeError, ValueError):
        raise CartError(_("This variant does not exist for this product."), code="variant") from None
    variant = Variant.objects.filter(pk=variant_id, product=product).first()
    if variant is None:
        raise CartError(_("This variant does not exist for this product."), code="variant")
    return variant


def _quantity_parse(quantity) -> int:
    try:
        value = int(quantity)
    except (TypeError, ValueError):
        raise CartError(_("Choose a quantity of at least 1."), code="quantity") from None
    if value < 1:
        raise CartError(_("Choose a quantity of at least 1."), code="quantity")
    return value


def _quantity_check(product: Product, variant: Variant | None, quantity: int) -> None:
    available = available_quantity(product, variant)
    if available <= 0:
        raise CartError(_("“%(title)s” is out of stock.") % {"title": product.title}, code="quantity")
    if quantity > available:
        raise CartError(
            _("Only %(n)s of “%(title)s” can be ordered.") % {"n": available, "title": product.title}, code="quantity"
        )


@transaction.atomic
def cart_add(
    *, cart: Cart, product_id: int | str, variant_id: int | str | None = None, quantity: int | str = 1
) -> CartLine:
    """Add a product (and variant) to the cart, within what is available; return the line's new state.

    The ids and quantity may come straight from a form: anything unusable is a CartError.
    """
    quantity = _quantity_parse(quantity)
    product = _sellable_product(product_id)
    variant = _variant_for(product, variant_id)
    line = CartLine.objects.select_for_update().filter(cart=cart, product=product, variant=variant).first()
    total = quantity + (line.quantity if line else 0)
    _quantity_check(product, variant, total)
    if line is None:
        return CartLine.objects.create(cart=cart, product=product, variant=variant, quantity=total)
    line.quantity = total
    line.save(update_fields=["quantity"])
    return line


def _cart_line_get(cart: Cart, line_id) -> CartLine:
    try:
        line_id = int(line_id)
    except (TypeError, ValueError):
        line_id = 0
    line = CartLine.objects.select_related("product", "variant").filter(cart=cart, pk=line_id).first()
    if line is None:
        raise CartError(_("This line is no longer in your cart."))
    return line


@transaction.atomic
def cart_set_quantity(*, cart: Cart, line_id: int | str, quantity: int | str) -> CartLine | None:
    """Set a line's quantity; 0 removes it (None returned)."""
    line = _cart_line_get(cart, line_id)
    try:
        wanted = int(quantity)
    except (TypeError, ValueError):
        raise CartError(_("Choose a quantity of at least 1.")) from None
    if wanted == 0:
        line.delete()
        return None
    wanted = _quantity_parse(wanted)
    _quantity_check(line.product, line.variant, wanted)
    line.quantity = wanted
    line.save(update_fields=["quantity"])
    return line


@transaction.atomic
def cart_remove(*, cart: Cart, line_id: int | str) -> None:
    """Remove a line from the cart."""
    _cart_line_get(cart, line_id).delete()


@transaction.atomic
def cart_merge_on_login(*, anonymous_cart: Cart, user: User) -> Cart:
    """Move a visitor's lines into the account's cart (quantities added, capped by what is available)."""
    cart = cart_create(user=user)
    if anonymous_cart.pk == cart.pk:
        return cart
    existing = {(line.product_id, line.variant_id): line for line in cart.lines.select_related("product", "variant")}
    for line in anonymous_cart.lines.select_related("product", "variant"):
        available = available_quantity(line.product, line.variant)
        mine = existing.get((line.product_id, line.variant_id))
        if mine is None:
            quantity = min(line.quantity, available)
            if quantity > 0:
                CartLine.objects.create(cart=cart, product=line.product, variant=line.variant, quantity=quantity)
        else:
            quantity = min(mine.quantity + line.quantity, max(available, mine.quantity))
            if quantity != mine.quantity:
                mine.quantity = quantity
                mine.save(update_fields=["quantity"])
    anonymous_cart.delete()
    return cart
