"""The legal pages: French defaults filled with each territory's facts, a footer that links them on
every page and theme, and a privacy link next to every form that asks for personal data."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from vitrine.legal.text import legal_text_render
from vitrine.metrics.services import SEARCH_KEEP_MONTHS
from vitrine.orders.models import OrderSettings
from vitrine.testing.factories import ShopFactory, UserFactory
from vitrine.testing.helpers import client_on

LEGAL_PATHS = ["/mentions-legales/", "/cgu/", "/confidentialite/", "/accessibilite/"]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("path", LEGAL_PATHS)
def test_every_legal_page_answers_in_french_with_the_territorys_name_and_contact(nancy, path):
    # when
    response = client_on(nancy).get(path)
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "Achetez Grand Nancy" in page
    assert 'href="mailto:contact@nancy.example.fr"' in page


def test_the_defaults_name_the_publisher_by_the_kind_of_territory(nancy, limoges):
    # given: Nancy is a metropole, Limoges a city
    # when
    nancy_page = _text(client_on(nancy).get("/mentions-legales/").content.decode())
    limoges_page = _text(client_on(limoges).get("/mentions-legales/").content.decode())
    # then
    assert "édité par la métropole" in nancy_page and "le président ou la présidente de la métropole" in nancy_page
    assert "édité par la commune" in limoges_page and "le maire ou la maire" in limoges_page
    assert "Limoges en boutiques" in limoges_page and "Achetez Grand Nancy" not in limoges_page


def test_the_privacy_notice_says_what_the_platform_really_keeps_and_sets(nancy):
    # given: Nancy's own order rules
    with tenant_context(nancy):
        OrderSettings.objects.create(
            pk=1, not_collected_after_days=9, reminder_days_before=1, unpaid_release_minutes=45
        )
    # when
    page = _text(client_on(nancy).get("/confidentialite/").content.decode())
    # then: its order rules, the only cookies Django sets here (names from the settings), no banner
    assert "annulée au bout de 45 minutes" in page
    assert "close 9 jours après la fin de son créneau" in page
    assert f"{settings.SESSION_COOKIE_NAME} : votre connexion et votre panier (14 jours)" in page
    assert f"{settings.CSRF_COOKIE_NAME} : la protection des formulaires" in page
    assert settings.LANGUAGE_COOKIE_NAME in page
    assert "aucun bandeau de cookies" in page and "Aucun cookie de suivi" in page
    # the visit counts, and how long the words searched are kept (as long as the pruning keeps them)
    assert "Les mesures de fréquentation" in page and "ni adresse IP" in page
    assert f"Mots cherchés : effacés au bout de {SEARCH_KEEP_MONTHS} mois" in page
    # rights, where to exercise them, and the CNIL
    assert 'href="/compte/donnees/"' in client_on(nancy).get("/confidentialite/").content.decode()
    assert "CNIL" in page and "supprimez votre compte" in page


def test_the_only_cookies_a_visit_and_an_order_leave_are_the_ones_the_notice_names(nancy):
    # given: a visitor who browses, adds to the cart, switches language
    client = client_on(nancy)
    with tenant_context(nancy):
        shop = ShopFactory()
        from vitrine.testing.factories import ProductFactory  # noqa: PLC0415 (test setup, one use)

        product = ProductFactory(shop=shop, stock=3)
    # when
    client.get("/")
    client.post(f"/panier/ajouter/{product.pk}/", {"quantity": "1"}, follow=True)
    client.get("/compte/inscription/")
    client.post("/langue/", {"language": "en", "next": "/"})
    # then
    allowed = {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
    assert set(client.cookies) <= allowed, set(client.cookies)


def test_the_accessibility_statement_gives_the_state_the_contact_and_the_recourse(nancy):
    # when
    page = _text(client_on(nancy).get("/accessibilite/").content.decode())
    # then
    assert "est non conforme avec le référentiel général d’amélioration de l’accessibilité (RGAA)" in page
    assert "Dérogations pour charge disproportionnée" in page
    assert "Défenseur des droits" in page and "Libre réponse 71120" in page
    assert "contact@nancy.example.fr" in page


@pytest.mark.parametrize("territory_name", ["nancy", "limoges"])
def test_every_themes_home_page_links_the_four_legal_pages_in_its_footer(territory_name, request):
    # given: nancy wears the metropole theme, limoges the terroir theme (tests/conftest.py)
    territory = request.getfixturevalue(territory_name)
    # when
    page = client_on(territory).get("/").content.decode()
    # then
    footer = page[page.index('<footer class="site-footer">') :]
    for path in LEGAL_PATHS:
        assert f'href="{path}"' in footer, path
    assert "Accessibilité : non conforme" in footer


@pytest.mark.parametrize(
    "path, others",
    [
        ("/compte/inscription/", False),
        ("/compte/connexion/", False),
        ("/compte/mot-de-passe/oublie/", False),
        ("/pro/rejoindre/", False),
    ],
)
def test_forms_that_ask_for_personal_data_link_the_privacy_notice(nancy, path, others):
    # when
    page = client_on(nancy).get(path).content.decode()
    # then: inside <main>, next to the form (the footer's link does not count)
    main = page[page.index("<main") : page.index("</main>")]
    assert 'class="privacy-notice"' in main and 'href="/confidentialite/"' in main


def test_signed_in_forms_link_the_privacy_notice(nancy):
    # given: a shopper, a shop owner, a territory admin
    with tenant_context(nancy):
        shopper = UserFactory()
        owner = ShopFactory().owner_user
        admin = UserFactory(role="territory_admin")
    pages = [(shopper, "/compte/"), (owner, "/pro/equipe/"), (admin, "/equipe/boutiques/nouvelle/")]
    for user, path in pages:
        # when
        page = client_on(nancy, user).get(path).content.decode()
        # then
        main = page[page.index("<main") : page.index("</main>")]
        assert 'class="privacy-notice"' in main and 'href="/confidentialite/"' in main, path


def test_the_old_privacy_address_leads_to_the_new_one(nancy):
    response = client_on(nancy).get("/compte/confidentialite/")
    assert response.status_code == 301 and response["Location"] == "/confidentialite/"


def test_an_unknown_legal_page_is_not_found(nancy):
    assert client_on(nancy).get("/cgv/").status_code == 404


def test_the_text_format_escapes_what_people_type_and_keeps_the_structure():
    # given
    text = (
        "## Éditeur <script>alert(1)</script>\n"
        "Écrire à **contact@nancy.fr** ou voir https://exemple.fr/a?b=1&c=2.\n\n"
        "- [les CGU](/cgu/)\n- [piège](javascript:alert(1))\n\n"
        '<img src=x onerror="alert(1)">'
    )
    # when
    html = legal_text_render(text)
    # then
    assert "<h2>Éditeur &lt;script&gt;" in html and "<script" not in html
    assert 'href="mailto:contact@nancy.fr"' in html and "<strong>" in html
    assert 'href="https://exemple.fr/a?b=1&amp;c=2"' in html
    assert '<li><a href="/cgu/"' in html and "javascript:" not in html.split("[piège]")[0]
    assert 'href="javascript' not in html and "<img" not in html


def test_a_legal_page_costs_a_fixed_number_of_queries(nancy, django_assert_num_queries):
    # given: a warm route cache (the territory's address is remembered with it)
    client = client_on(nancy)
    client.get("/cgu/")
    # when / then: the team's page (none: the default), the order rules and the payment policy the default names
    with django_assert_num_queries(3):
        assert client.get("/cgu/").status_code == 200


def test_the_terms_say_who_takes_the_money_when_online_payment_is_offered(nancy, settings):
    from vitrine.payments.models import PaymentSettings

    client = client_on(nancy)
    # given a territory paid at pickup only: the marketplace takes no money
    page = client.get("/cgu/").content.decode()
    assert "n’encaisse aucun paiement" in page and "Stripe" not in page
    # when it offers online payment (configured on the platform)
    settings.PAYMENTS_ONLINE = True
    with tenant_context(nancy):
        PaymentSettings.objects.update_or_create(pk=1, defaults={"offers_online": True, "acceptance_hours": 48})
    terms = client.get("/cgu/").content.decode()
    privacy = client.get("/confidentialite/").content.decode()
    # then the terms say it takes the money for the shops, when the card is charged, refunds; privacy names Stripe
    assert "encaisse le paiement pour le compte des boutiques" in terms
    assert "au plus tard 48 heures après votre paiement" in terms and "remboursée sur votre carte" in terms
    assert "n’encaisse aucun paiement" not in terms
    assert "Stripe Payments Europe" in privacy
