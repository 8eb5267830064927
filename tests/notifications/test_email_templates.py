"""Every email's wording is a template under notifications, and every one reads in French."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from vitrine.notifications.services import email_render

EMAILS_DIR = Path(__file__).resolve().parents[2] / "platform/vitrine/notifications/templates/notifications/emails"
EMAILS = sorted(path.name for path in EMAILS_DIR.iterdir() if path.is_dir())

SHOP = SimpleNamespace(name="Bijouterie Stanislas", siret="35600000000048", commune="Nancy (54000)")
CONTEXT = {
    "shop": SHOP,
    "owner": "Marie Curie",
    "reason": "Photo d'un autre site",
    "url": "http://nancy.localhost/pro/",
    "link": "http://nancy.localhost/compte/mot-de-passe/x/",
    "territory": SimpleNamespace(name="Achetez Grand Nancy"),
    "user": SimpleNamespace(role="merchant", email="marie@example.fr"),
    "product": SimpleNamespace(title="Bague argent", unpublished_reason="Contrefaçon"),
    "name": "Claire",
    "code": "ABC234",
    "total": "10,00\xa0€",
    "pickup": "lundi",
    "address": "12 rue",
    "lines": [],
    # the payment emails (vitrine.payments.emails)
    "amount": "24,90\xa0€",
    "authorised": "40,00\xa0€",
    "released": "15,10\xa0€",
    "deadline": "mercredi 9 décembre à 10:00",
    "charged": True,
    "why": "not_collected",
    "orders": [
        {"shop": "Bijouterie Stanislas", "code": "ABC234", "amount": "24,90\xa0€", "url": "http://nancy.localhost/"}
    ],
    "charged_orders": [
        {"shop": "Bijouterie Stanislas", "code": "ABC234", "captured": "24,90\xa0€", "url": "http://nancy.localhost/"}
    ],
    "uncharged_orders": [
        {"shop": "Atelier", "code": "DEF567", "amount": "15,10\xa0€", "why": "refused", "reason": "Rupture"}
    ],
}


def test_the_emails_are_all_here():
    # every email the services send has its folder (a missing one would fail at send time)
    assert {
        "account_set_password",
        "shop_application_staff",
        "shop_approved",
        "shop_refused",
        "shop_suspended",
        "shop_resumed",
        "shop_created_for_owner",
        "shop_member_joined",
        "product_unpublished",
        "order_placed_shopper",
        "order_placed_shop",
        "order_ready",
        "order_refused",
        "order_reminder",
        "order_cancelled_shopper",
        "order_cancelled_shop",
        "payment_authorised",
        "payment_captured",
        "payment_refunded",
    } <= set(EMAILS)


@pytest.mark.parametrize("template", EMAILS)
def test_every_email_reads_in_the_territorys_language(template, settings):
    # when an email is rendered (the territory speaks French), and the same in English
    subject, body = email_render(template, CONTEXT)
    settings.LANGUAGE_CODE = "en"
    english_subject, english_body = email_render(template, CONTEXT)
    # then its wording is translated (a msgid that drifted from the catalogue would stay English)
    assert subject != english_subject, subject
    assert body.strip() != english_body.strip(), body
    # and what people typed keeps its characters: plain text, no HTML escaping
    assert "&#x27;" not in body and "&amp;" not in body


def test_a_name_starting_with_a_vowel_takes_d_apostrophe_in_every_email():
    # given a territory and a shop whose names start with a vowel
    context = {
        **CONTEXT,
        "territory": SimpleNamespace(name="Achetez Grand Nancy"),
        "shop": SimpleNamespace(name="Atelier Faïence", siret=SHOP.siret, commune=SHOP.commune),
        "user": SimpleNamespace(role="territory_admin", email="admin@example.fr"),
        "name": "Anne Martin",
    }

    # when every email is rendered in French
    texts = {template: " ".join(email_render(template, context)) for template in EMAILS}

    # then French elides "de": "d’Achetez Grand Nancy", never "de Achetez"
    assert "L’équipe d’Achetez Grand Nancy" in texts["account_set_password"]
    assert "l’équipe d’Atelier Faïence" in texts["shop_member_joined"]
    assert "la vitrine d’Atelier Faïence" in texts["shop_created_for_owner"]
    assert "Nouvelle commande ABC234 d’Anne Martin" in texts["order_placed_shop"]
    for template, text in texts.items():
        assert not re.search(r"\bde [AEIOUÉÈÊaeiou]", text), (template, text)
