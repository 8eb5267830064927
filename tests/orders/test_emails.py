"""The order emails: one template folder each, worded in the territory's language (French here)."""

import pytest

from vitrine.notifications.services import email_render
from vitrine.orders.lifecycle import ORDER_EFFECTS, REMINDER, Email

CONTEXT = {
    "name": "Claire D'Arc",
    "email": "claire@example.fr",
    "phone": "06 12 34 56 78",
    "code": "ABC234",
    "total": "49,80\xa0€",
    "reason": "Plus en taille 52",
    "shop": "Bijouterie Stanislas",
    "address": "12 rue Saint-Dizier, 54000 Nancy",
    "pickup": "lundi 30 novembre entre 14:00 et 14:30",
    "territory": "Achetez Grand Nancy",
    "lines": [{"quantity": 2, "name": "Bague argent (52)", "total": "49,80\xa0€"}],
}
EMAILS = sorted(
    {effect.template for effects in ORDER_EFFECTS.values() for effect in effects if isinstance(effect, Email)}
    | {REMINDER.template}
)


def test_the_order_emails_are_the_templates_the_effects_name():
    assert EMAILS == [
        "order_cancelled_shop",
        "order_cancelled_shopper",
        "order_placed_shop",
        "order_placed_shopper",
        "order_ready",
        "order_refused",
        "order_reminder",
    ]


@pytest.mark.parametrize("template", EMAILS)
def test_every_order_email_is_in_french_with_the_values_unescaped(template):
    # when
    subject, body = email_render(template, CONTEXT)
    # then no English wording is left, and names keep their characters (plain text, no HTML escaping)
    english = ("Hello", "Your order", "order", "Pickup", "See you soon", "Reason", "cancelled", "ready")
    assert not [word for word in english if word in subject + body], (subject, body)
    assert "Bijouterie Stanislas" in subject + body or "ABC234" in subject
    assert "&" not in (subject + body).replace("Click & Collect", "")


def test_the_placed_email_to_the_shopper_reads_in_french():
    subject, body = email_render("order_placed_shopper", CONTEXT)
    assert subject == "Votre commande chez Bijouterie Stanislas : code de retrait ABC234"
    assert body == (
        "Bonjour Claire D'Arc,\n\nMerci pour votre commande chez Bijouterie Stanislas.\n\n"
        "Retrait : lundi 30 novembre entre 14:00 et 14:30\nAdresse : 12 rue Saint-Dizier, 54000 Nancy\n"
        "Votre code de retrait : ABC234\nTotal à régler au retrait : 49,80\xa0€\n\n"
        "- 2 × Bague argent (52) : 49,80\xa0€\n\nÀ bientôt sur Achetez Grand Nancy.\n"
    )
