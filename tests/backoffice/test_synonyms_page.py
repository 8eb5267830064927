"""The territory team's synonyms page, /equipe/synonymes/: add, list, delete; in its territory only."""

from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.search.models import Synonym
from vitrine.testing.factories import ProductFactory, UserFactory
from vitrine.testing.helpers import client_on, host_client


def _client(territory, role=User.Role.TERRITORY_STAFF):
    with tenant_context(territory):
        user = UserFactory(role=role)
    return client_on(territory, user)


def test_staff_add_a_synonym_from_their_area_and_shoppers_find_with_it(nancy, django_capture_on_commit_callbacks):
    with tenant_context(nancy):
        ProductFactory(title="Bicyclette de ville")
    client = _client(nancy)

    # when the team opens the page from its area's menu and adds "vélo" → "bicyclette"
    page = client.get("/equipe/synonymes/").text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/equipe/synonymes/", {"word": "vélo", "expansion": "bicyclette"}, follow=True)

    # then the page is French, in the staff menu, says it is done and lists it; shoppers find the bicycle
    assert "<h1>Synonymes de recherche</h1>" in page and 'aria-current="page">Synonymes de recherche</a>' in page
    assert '<label for="id_word">Mot tapé par les clients</label>' in page or "Mot tapé par les clients" in page
    text = response.content.decode()
    assert "« vélo » trouve maintenant aussi « bicyclette »." in text
    assert "<strong>vélo</strong> → bicyclette" in text
    search = host_client("nancy.localhost").get("/recherche/", {"q": "velo"}).content.decode()
    assert "Bicyclette de ville" in search


def test_a_bad_synonym_shows_a_french_error_and_saves_nothing(nancy):
    client = _client(nancy)

    # when the team sends two words as the word typed
    response = client.post("/equipe/synonymes/", {"word": "vélo rouge", "expansion": "bicyclette"})

    # then the form comes back (400) with the reason, and nothing is saved
    assert response.status_code == 400
    assert "Tapez un seul mot, sans espace ni ponctuation." in response.content.decode()
    with tenant_context(nancy):
        assert not Synonym.objects.exists()


def test_staff_delete_a_synonym_and_it_is_gone(nancy, django_capture_on_commit_callbacks):
    client = _client(nancy)
    client.post("/equipe/synonymes/", {"word": "velo", "expansion": "bicyclette"})
    with tenant_context(nancy):
        synonym = Synonym.objects.get()

    # when the team deletes it
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/equipe/synonymes/{synonym.pk}/supprimer/", follow=True)

    # then it is gone, and the page says so
    assert "« velo » ne trouve plus « bicyclette »." in response.content.decode()
    with tenant_context(nancy):
        assert not Synonym.objects.exists()
    # and deleting is a POST only
    assert client.get(f"/equipe/synonymes/{synonym.pk}/supprimer/").status_code == 405


def test_a_nancy_synonym_is_neither_listed_nor_deletable_from_limoges(nancy, limoges):
    # given a synonym in Nancy
    _client(nancy).post("/equipe/synonymes/", {"word": "velo", "expansion": "bicyclette"})
    with tenant_context(nancy):
        synonym = Synonym.objects.get()
    limoges_staff = _client(limoges)

    # when Limoges's team lists its synonyms and tries to delete Nancy's (cross-territory)
    listed = limoges_staff.get("/equipe/synonymes/").content.decode()
    deleted = limoges_staff.post(f"/equipe/synonymes/{synonym.pk}/supprimer/")

    # then it sees none and reaches nothing: Nancy's synonym stays
    assert "bicyclette" not in listed and "Aucun synonyme pour l’instant." in listed
    assert deleted.status_code == 404
    with tenant_context(nancy):
        assert Synonym.objects.filter(pk=synonym.pk).exists()


def test_shoppers_and_merchants_cannot_open_the_page(nancy):
    # when people outside the team try, then they are refused
    assert _client(nancy, User.Role.MERCHANT).get("/equipe/synonymes/").status_code == 403
    assert (
        _client(nancy, User.Role.SHOPPER).post("/equipe/synonymes/", {"word": "a", "expansion": "b"}).status_code == 403
    )
    with tenant_context(nancy):
        assert not Synonym.objects.exists()
