"""Error pages: French, in the territory's branding (or the console's), with a way back; media per host."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django_tenants.utils import tenant_context

from vitrine.testing.factories import UserFactory
from vitrine.testing.helpers import client_on, host_client


def test_a_missing_page_is_french_branded_and_leads_back(nancy):
    # when a shopper follows a dead link on Nancy's site
    response = host_client("nancy.localhost").get("/boutiques/nulle-part/article-disparu/")
    html = response.content.decode()
    # then a French page in Nancy's branding, with the search and the way home, no Django internals
    assert response.status_code == 404
    assert "Cette page n’existe pas" in html and "Achetez Grand Nancy" in html
    assert 'action="/recherche/"' in html and "Retour à l’accueil" in html
    assert "urlpatterns" not in html and "Page not found" not in html


def test_a_forbidden_page_is_french_and_branded(nancy):
    # given a shopper signed in on Nancy's site
    with tenant_context(nancy):
        shopper = UserFactory()
    client = client_on(nancy, shopper)
    # when they open the team's area
    response = client.get("/equipe/")
    # then a French 403 in the territory's branding
    html = response.content.decode()
    assert response.status_code == 403
    assert "Vous ne pouvez pas ouvrir cette page" in html and "Achetez Grand Nancy" in html


def test_the_console_has_its_own_french_missing_page(db):
    response = host_client("console.localhost").get("/nulle-part/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Cette page n’existe pas" in html and "Retour aux territoires" in html


def test_the_server_error_page_needs_nothing_and_reads_in_french(settings):
    # rendered by Django without a request nor a database: it must stand alone
    html = render_to_string("500.html")
    assert "Une erreur est survenue" in html and 'href="/"' in html


@pytest.fixture
def nancy_file(nancy, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with tenant_context(nancy):
        name = default_storage.save("products/bague.txt", ContentFile(b"photo"))
    assert name.startswith("nancy/")
    return name


def test_a_territorys_files_answer_on_its_own_host_only(nancy_file, limoges):
    # on Nancy's host the file is served; on Limoges' and on the console it does not exist
    assert host_client("nancy.localhost").get(f"/media/{nancy_file}").status_code == 200
    assert host_client("limoges.localhost").get(f"/media/{nancy_file}").status_code == 404
    assert host_client("console.localhost").get(f"/media/{nancy_file}").status_code == 404
