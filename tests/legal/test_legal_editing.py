"""The territory's administrators edit their legal pages: saved with an audit row, refused with a
French message and nothing saved, previewed before saving, brought back to the default; nobody
else may, and one territory's text never shows on another's."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.audit.models import AuditEvent
from vitrine.legal.models import LegalPage
from vitrine.tenancy.models import Territory
from vitrine.testing.factories import ShopFactory, UserFactory
from vitrine.testing.helpers import client_on

TEXT = "## Éditeur\n\nMétropole du Grand Nancy, 22-24 viaduc Kennedy, 54035 Nancy Cedex."


def _admin(territory):
    with tenant_context(territory):
        return UserFactory(role=User.Role.TERRITORY_ADMIN, email=f"admin-legal@{territory.schema_name}.fr")


def test_an_admin_rewrites_a_page_visitors_read_it_and_the_trail_records_it(nancy):
    # given
    client = client_on(nancy, _admin(nancy))
    assert "Texte par défaut" in client.get("/espace/textes-legaux/").content.decode()
    # when
    response = client.post(
        "/espace/textes-legaux/mentions/", {"title": "Mentions légales", "body": TEXT, "action": "save"}
    )
    # then
    assert response.status_code == 302
    public = client_on(nancy).get("/mentions-legales/").content.decode()
    assert "<h2>Éditeur</h2>" in public and "22-24 viaduc Kennedy" in public
    with tenant_context(nancy):
        page = LegalPage.objects.get(kind="mentions")
        assert page.updated_by.email == "admin-legal@nancy.fr"
        event = AuditEvent.objects.get(verb="legal.update")
        assert event.actor_label == "admin-legal@nancy.fr" and event.payload["kind"] == "mentions"


def test_nancys_text_does_not_show_on_limoges(nancy, limoges):
    # given: Nancy's admin rewrites its terms of use
    client_on(nancy, _admin(nancy)).post(
        "/espace/textes-legaux/cgu/", {"title": "CGU de Nancy", "body": "Règles propres à Nancy.", "action": "save"}
    )
    # when
    limoges_page = client_on(limoges).get("/cgu/").content.decode()
    # then: Limoges keeps its default; its own team sees no text of Nancy's either
    assert "Règles propres à Nancy" not in limoges_page and "Limoges en boutiques" in limoges_page
    with tenant_context(limoges):
        assert not LegalPage.objects.exists()
    limoges_edit = client_on(limoges, _admin(limoges)).get("/espace/textes-legaux/cgu/").content.decode()
    assert "Règles propres à Nancy" not in limoges_edit


@pytest.mark.parametrize(
    "data, message",
    [
        ({"title": "", "body": TEXT}, "Ce champ est obligatoire"),
        ({"title": "   ", "body": TEXT}, "Ce champ est obligatoire"),
        ({"title": "Mentions", "body": ""}, "Ce champ est obligatoire"),
        ({"title": "x" * 121, "body": TEXT}, "au plus 120 caractères"),
        ({"title": "Mentions", "body": "x" * 30_001}, "au plus 30000 caractères"),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_is_saved(nancy, data, message):
    # given
    client = client_on(nancy, _admin(nancy))
    # when
    response = client.post("/espace/textes-legaux/mentions/", {**data, "action": "save"})
    # then
    assert response.status_code == 400
    assert message in response.content.decode()
    with tenant_context(nancy):
        assert not LegalPage.objects.exists() and not AuditEvent.objects.filter(verb="legal.update").exists()


def test_an_unknown_conformity_state_is_refused(nancy):
    client = client_on(nancy, _admin(nancy))
    response = client.post(
        "/espace/textes-legaux/accessibilite/",
        {"title": "Déclaration", "body": "Texte", "accessibility": "perfect", "action": "save"},
    )
    assert response.status_code == 400 and "Sélectionnez un choix valide" in response.content.decode()
    assert Territory.objects.get(pk=nancy.pk).accessibility == "none"


def test_the_preview_shows_the_text_and_saves_nothing(nancy):
    # given
    client = client_on(nancy, _admin(nancy))
    # when
    response = client.post(
        "/espace/textes-legaux/cgu/", {"title": "CGU", "body": "## Objet\n\n- un\n- deux", "action": "preview"}
    )
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "Aperçu (pas encore enregistré)" in page and "<h2>Objet</h2><ul><li>un</li><li>deux</li></ul>" in page
    assert "À compléter pour que la page soit complète" not in page  # the previewed text leaves nothing to fill in
    with tenant_context(nancy):
        assert not LegalPage.objects.exists()


def test_reset_brings_back_the_default_text_with_an_audit_row(nancy):
    # given
    client = client_on(nancy, _admin(nancy))
    client.post("/espace/textes-legaux/cgu/", {"title": "CGU", "body": "Texte court.", "action": "save"})
    # when
    response = client.post("/espace/textes-legaux/cgu/reinitialiser/")
    # then
    assert response.status_code == 302
    page = client_on(nancy).get("/cgu/").content.decode()
    assert "Texte court." not in page and "Conditions générales d’utilisation" in page
    with tenant_context(nancy):
        assert not LegalPage.objects.exists()
        assert AuditEvent.objects.filter(verb="legal.reset").count() == 1


def test_the_conformity_state_saved_with_the_statement_shows_in_every_footer(nancy, django_capture_on_commit_callbacks):
    # given: the admin saves the default statement, only changing the state after an audit
    client = client_on(nancy, _admin(nancy))
    form = client.get("/espace/textes-legaux/accessibilite/").context["form"]
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/espace/textes-legaux/accessibilite/",
            {
                "title": form.initial["title"],
                "body": form.initial["body"],
                "accessibility": "partial",
                "action": "save",
            },
        )
    # then: the footer says so, and the default text (no copy kept) follows the new state
    assert response.status_code == 302
    home = client_on(nancy).get("/").content.decode()
    assert "Accessibilité : partiellement conforme" in home
    statement = client_on(nancy).get("/accessibilite/").content.decode()
    assert "<strong>partiellement conforme</strong>" in statement
    with tenant_context(nancy):
        assert not LegalPage.objects.exists()
        assert AuditEvent.objects.get(verb="legal.update").payload["accessibility"] == "partial"


@pytest.mark.parametrize("role", ["shopper", "merchant", "territory_staff"])
def test_only_administrators_edit_the_legal_pages(nancy, role):
    # given
    with tenant_context(nancy):
        user = ShopFactory().owner_user if role == "merchant" else UserFactory(role=role)
    client = client_on(nancy, user)
    # when
    pages = [client.get("/espace/textes-legaux/"), client.get("/espace/textes-legaux/cgu/")]
    posts = [
        client.post("/espace/textes-legaux/cgu/", {"title": "CGU", "body": "Pirate", "action": "save"}),
        client.post("/espace/textes-legaux/cgu/reinitialiser/"),
    ]
    # then
    assert [r.status_code for r in pages + posts] == [403, 403, 403, 403]
    assert "Pirate" not in client_on(nancy).get("/cgu/").content.decode()
    with tenant_context(nancy):
        assert not LegalPage.objects.exists()


def test_a_visitor_is_sent_to_sign_in_and_an_admin_of_another_territory_is_not_one_here(nancy, limoges):
    # given: Limoges' admin's session, used on Nancy's host
    visitor = client_on(nancy)
    intruder = client_on(nancy)
    intruder.cookies = client_on(limoges, _admin(limoges)).cookies
    # when / then
    for client in (visitor, intruder):
        response = client.post("/espace/textes-legaux/cgu/", {"title": "CGU", "body": "Pirate", "action": "save"})
        assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/")
    with tenant_context(nancy):
        assert not LegalPage.objects.exists()


def test_an_unknown_kind_is_not_found(nancy):
    assert client_on(nancy, _admin(nancy)).get("/espace/textes-legaux/cgv/").status_code == 404


def test_the_team_sees_what_the_defaults_leave_to_fill_in(nancy):
    # given: the defaults cannot know the publisher's official name or the host
    client = client_on(nancy, _admin(nancy))
    # when
    listing = client.get("/espace/textes-legaux/").content.decode()
    edit = client.get("/espace/textes-legaux/mentions/").content.decode()
    # then
    assert "4 éléments à compléter." in listing
    assert "À compléter pour que la page soit complète" in edit and "[à compléter : adresse postale]" in edit
