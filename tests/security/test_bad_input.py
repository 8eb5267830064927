"""Input no page expected answers a clear French 400, 404, 413 or form error, never a 500,
and changes nothing (issue #10, item 9)."""

from __future__ import annotations

import io
import uuid
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.catalog.models import Category, Product
from vitrine.imports.models import CatalogImport
from vitrine.notifications.models import OutboxEmail
from vitrine.notifications.services import outbox_due_ids, outbox_email_deliver, outbox_email_queue
from vitrine.orders.models import Order
from vitrine.testing.factories import ProductFactory, UserFactory, shop_open_every_day
from vitrine.testing.helpers import client_on, host_client

BAD_REQUEST = "Cette demande n’a pas pu être lue"


def _visitor() -> Client:
    client = host_client("nancy.localhost")
    client.raise_request_exception = False  # a 500 must show up as a status, not as a test error
    return client


def _merchant(nancy, shop) -> Client:
    client = client_on(nancy, shop.owner_user)
    client.raise_request_exception = False
    return client


def _refused_in_french(response, status: int = 400, text: str = BAD_REQUEST) -> None:
    html = response.content.decode()
    assert response.status_code == status, (response.status_code, html[-500:])
    assert text in html and "Achetez Grand Nancy" in html, html[-800:]


# --- NUL characters (PostgreSQL text cannot hold them) -------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/recherche/?q=bague%00",
        "/recherche/?q=bague&categorie=bijoux%00",
        "/recherche/?commune=nancy%00&boutique=x%00",
        "/boutiques/?categorie=a%00&commune=b%00",
        "/media/nancy/products/a%00b.png",
        "/boutiques/a%00b/",
    ],
)
def test_a_nul_character_in_an_address_is_a_french_400(nancy, url):
    _refused_in_french(_visitor().get(url))


@pytest.mark.parametrize("url", ["/pro/commandes/?q=Claire%00", "/pro/produits/?q=bague%00"])
def test_a_nul_character_in_a_merchants_search_box_is_a_french_400(nancy, nancy_shop, url):
    _refused_in_french(_merchant(nancy, nancy_shop).get(url))


def test_a_nul_character_in_a_form_is_a_french_400_and_nothing_is_saved(nancy):
    # when someone signs up with a NUL in their name
    response = _visitor().post(
        "/compte/inscription/",
        {"full_name": "Claire\x00", "email": "claire@example.fr", "password": "correct-horse-battery", "privacy": "on"},
    )

    # then a French 400, and no account
    _refused_in_french(response)
    with tenant_context(nancy):
        assert not User.objects.filter(email="claire@example.fr").exists()


# --- Numbers beyond the database's range -----------------------------------------------------


def _product_form(category: Category, **overrides) -> dict:
    return {
        "title": "Vase en grès",
        "price": "35",
        "category": category.pk,
        "availability": "stock",
        "stock": "2",
        "status": "draft",
        "vat_rate": "20.0",
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"stock": "99999999999"}, "Le stock est trop grand : 2 147 483 647 au plus."),
        (
            {"variant_name": "Grand", "variant_price": "", "variant_stock": "99999999999", "variant_sku": ""},
            "Grand : le stock est trop grand : 2 147 483 647 au plus.",
        ),
    ],
)
def test_a_stock_above_the_integer_range_is_a_form_error(nancy, nancy_shop, overrides, message):
    with tenant_context(nancy):
        category = Category.objects.get(slug="decoration")

    # when a merchant types a stock the database cannot hold
    response = _merchant(nancy, nancy_shop).post("/pro/produits/nouveau/", _product_form(category, **overrides))

    # then the form comes back saying so, and no product is made
    html = response.content.decode().replace("\u202f", " ").replace("\xa0", " ")
    assert response.status_code == 400 and message in html, html[-3000:]
    with tenant_context(nancy):
        assert not Product.objects.filter(shop=nancy_shop).exists()


# --- Checkout without a cart ---------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True])
def test_checkout_without_a_cart_says_the_cart_is_empty(nancy, signed_in):
    with tenant_context(nancy):
        client = client_on(nancy, UserFactory()) if signed_in else host_client("nancy.localhost")
    client.raise_request_exception = False

    # when the checkout form is posted by someone who never had a cart
    response = client.post(
        "/panier/commande/",
        {
            "name": "Claire",
            "email": "claire@example.fr",
            "phone": "06 12 34 56 78",
            "idempotency_key": str(uuid.uuid4()),
        },
    )

    # then the page says the cart is empty, and no order exists
    assert response.status_code == 422 and "Votre panier est vide." in response.content.decode()
    with tenant_context(nancy):
        assert not Order.objects.exists()


# --- A malformed workbook ------------------------------------------------------------------


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _workbook_parts() -> dict[str, bytes]:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


SHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s</sheetData></worksheet>'


@pytest.mark.parametrize(
    "damage",
    [
        {"xl/workbook.xml": b"<<< not xml"},
        {"[Content_Types].xml": b"garbage"},
        {"xl/worksheets/sheet1.xml": b"<<<garbage"},
        {"xl/worksheets/sheet1.xml": SHEET % b'<row r="1"><c r="A1" t="n"><v>abc</v></c></row>'},
        {"xl/worksheets/sheet1.xml": SHEET % b'<row r="1"><c r="A1" t="d"><v>not a date</v></c></row>'},
    ],
    ids=["workbook", "content-types", "sheet", "number-cell", "date-cell"],
)
def test_a_malformed_workbook_is_refused_with_a_clear_message(nancy, nancy_shop, damage):
    # when a merchant sends a damaged .xlsx
    data = _zip({**_workbook_parts(), **damage})
    response = _merchant(nancy, nancy_shop).post("/pro/import/", {"file": SimpleUploadedFile("catalogue.xlsx", data)})

    # then the import page says it cannot read it, and nothing is stored
    assert response.status_code == 400, response.status_code
    assert "n’est pas un classeur Excel lisible" in response.content.decode()
    with tenant_context(nancy):
        assert not CatalogImport.objects.exists() and not Product.objects.filter(shop=nancy_shop).exists()


# --- Line breaks in names, and emails with a bad header ----------------------------------


def test_a_guest_name_with_line_breaks_is_one_line_and_the_shops_email_goes_out(nancy):
    # given a shop that takes orders and a visitor's cart
    with tenant_context(nancy):
        shop = shop_open_every_day(name="Bijouterie Stanislas", phone="03 83 00 00 00")
        product = ProductFactory(shop=shop, title="Bague argent", stock=3)
    client = _visitor()
    client.post(f"/panier/ajouter/{product.pk}/", {"quantity": 1})
    with tenant_context(nancy):
        from vitrine.orders.selectors import checkout_slots

        slot = checkout_slots(shop=shop)[0].starts_at

    # when the guest's name carries CR/LF and a header of their own
    response = client.post(
        "/panier/commande/",
        {
            "name": "Claire\r\nBcc: pirate@example.fr\t",
            "email": "claire@example.fr",
            "phone": "06 12 34 56 78",
            f"slot-{shop.pk}": slot.isoformat(),
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]

    # then the order's name is one line, and every email (the shop's new-order one too) is sent
    with tenant_context(nancy):
        assert Order.objects.get().customer_name == "Claire Bcc: pirate@example.fr"
        shop_email = OutboxEmail.objects.get(to=[shop.email])
        assert "\r" not in shop_email.subject and "\n" not in shop_email.subject
        for message in OutboxEmail.objects.all():
            outbox_email_deliver(message_id=message.pk)
        assert set(OutboxEmail.objects.values_list("status", flat=True)) == {OutboxEmail.Status.SENT}


def test_a_subject_queued_with_a_line_break_is_one_line(nancy):
    with tenant_context(nancy):
        message = outbox_email_queue(to=["claire@example.fr"], subject="Bonjour\r\nBcc: x@example.fr", body="Texte")
        assert message.subject == "Bonjour Bcc: x@example.fr"


def test_an_email_with_a_bad_header_fails_at_once_with_its_reason(nancy):
    # given an email row whose subject holds a line break (written before headers were cleaned)
    with tenant_context(nancy):
        message = OutboxEmail.objects.create(to=["boutique@example.fr"], subject="Nouvelle\r\nBcc: x", body="Texte")

        # when the sender tries it
        sent = outbox_email_deliver(message_id=message.pk)

        # then it is marked failed with the reason, and never tried again
        message.refresh_from_db()
        assert sent is False and message.status == OutboxEmail.Status.FAILED and message.attempts == 1
        assert "line break" in message.last_error
        assert message.pk not in outbox_due_ids()


# --- Request bodies --------------------------------------------------------------------------


def test_an_anonymous_100_mb_upload_is_refused_before_it_is_read(nancy):
    # when an anonymous visitor announces a 100 MB body (only a few bytes follow: none is read)
    response = _visitor().generic(
        "POST",
        "/compte/inscription/",
        b"full_name=x",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(100 * 1024 * 1024),
    )

    # then a French 413 in the territory's branding, and no account
    _refused_in_french(response, 413, "C’est trop volumineux pour être envoyé")
    with tenant_context(nancy):
        assert not User.objects.filter(full_name="x").exists()


def test_an_anonymous_multipart_body_above_the_cap_is_a_413(nancy, settings):
    # given a real multipart body a little above what a visitor may send
    upload = SimpleUploadedFile("big.bin", b"x" * (settings.VITRINE_ANONYMOUS_MAX_BODY_BYTES + 1))

    response = _visitor().post("/compte/inscription/", {"full_name": "Claire", "file": upload})

    _refused_in_french(response, 413, "C’est trop volumineux pour être envoyé")


def test_a_signed_in_merchant_may_send_a_larger_catalogue(nancy, nancy_shop, settings):
    # given a CSV catalogue above the anonymous cap
    header = "reference;titre;description;categorie;prix;tva;statut;disponibilite;stock;sku;declinaison;prix_declinaison;stock_declinaison;sku_declinaison\r\n"
    row = "vase;Vase en grès;{};decoration;35;20;brouillon;stock;2;;;;;\r\n".format("x" * 2000)
    data = (header + row * 200).encode()
    assert len(data) > settings.VITRINE_ANONYMOUS_MAX_BODY_BYTES

    response = _merchant(nancy, nancy_shop).post("/pro/import/", {"file": SimpleUploadedFile("c.csv", data)})

    # then it is read (its rows are checked), not refused as too large
    assert response.status_code in (302, 400) and response.status_code != 413
    assert "trop volumineux" not in response.content.decode()
