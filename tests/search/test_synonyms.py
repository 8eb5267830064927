"""Territory staff teach their search synonyms: "vélo" also finds "bicyclette", in their territory only."""

# Tests marked `embedded` run on the fresh-machine server too (no unaccent, no pg_trgm): make test-embedded.

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.audit.models import AuditEvent
from vitrine.search.models import Synonym
from vitrine.search.selectors import SearchFilters, product_search
from vitrine.search.services import SYNONYMS_MAX, synonym_add, synonym_delete
from vitrine.search.synonyms import synonyms_load
from vitrine.testing.factories import ProductFactory, UserFactory


def _titles(territory, query: str) -> list[str]:
    with tenant_context(territory):
        return sorted(p.title for p in product_search(query=query, filters=SearchFilters()).products)


def _staff(territory):
    with tenant_context(territory):
        return UserFactory(role=User.Role.TERRITORY_STAFF)


@pytest.mark.embedded
def test_a_synonym_expands_the_search_of_its_territory_only(nancy, limoges, django_capture_on_commit_callbacks):
    for territory in (nancy, limoges):
        with tenant_context(territory):
            # given a bicycle and a book in both territories
            ProductFactory(title="Bicyclette hollandaise")
            ProductFactory(title="Idées cadeaux pour la fête des pères")
            ProductFactory(title="Roman de gare")
    staff = _staff(nancy)
    assert _titles(nancy, "velo") == []

    # when Nancy's team says "vélo" also finds "bicyclette", and "présent" finds "idées cadeaux"
    with tenant_context(nancy), django_capture_on_commit_callbacks(execute=True):
        synonym_add(word="Vélo", expansion="bicyclette", actor=staff)
        synonym_add(word="présent", expansion="idées de cadeaux", actor=staff)

    # then Nancy's shoppers find the bicycle by "vélo" (and "velo"), and a phrase needs all its words
    assert _titles(nancy, "vélo") == _titles(nancy, "velo") == ["Bicyclette hollandaise"]
    assert _titles(nancy, "present") == ["Idées cadeaux pour la fête des pères"]
    # one way only: "bicyclette" does not find what "vélo" names
    assert _titles(nancy, "bicyclette") == ["Bicyclette hollandaise"]
    # cross-territory: Limoges's search is untouched
    assert _titles(limoges, "velo") == [] and _titles(limoges, "present") == []


def test_adding_and_deleting_are_audit_rows_and_the_search_forgets_at_once(nancy, django_capture_on_commit_callbacks):
    staff = _staff(nancy)
    with tenant_context(nancy):
        ProductFactory(title="Bicyclette de course")
        # when staff add a synonym, search, then delete it
        with django_capture_on_commit_callbacks(execute=True):
            synonym = synonym_add(word="velo", expansion="bicyclette", actor=staff)
        found = [p.title for p in product_search(query="velo", filters=SearchFilters()).products]
        with django_capture_on_commit_callbacks(execute=True):
            synonym_delete(synonym=synonym, actor=staff)
        after = [p.title for p in product_search(query="velo", filters=SearchFilters()).products]

        # then each decision is one row of the trail, naming who and what
        rows = list(AuditEvent.objects.filter(object_type="synonym").order_by("id"))
    assert found == ["Bicyclette de course"] and after == []
    assert [(row.verb, row.actor_label, row.object_label) for row in rows] == [
        ("synonym.add", staff.email, "velo → bicyclette"),
        ("synonym.delete", staff.email, "velo → bicyclette"),
    ]
    assert rows[0].payload == {"expansion": "bicyclette"}


def test_a_process_with_an_old_copy_sees_a_change_made_elsewhere(nancy):
    with tenant_context(nancy):
        # given a process that read the synonyms (none) and searched
        ProductFactory(title="Bicyclette pliante")
        synonyms_load()
        assert product_search(query="velo", filters=SearchFilters()).products == []
        # when another process adds one (this process's copy is not forgotten)
        Synonym.objects.create(word="velo", key="velo", expansion="bicyclette", expansion_key="bicyclette")

        # then the next search sees the new version and uses it, in two more queries once
        with CaptureQueriesContext(connection) as first:
            titles = [p.title for p in product_search(query="velo", filters=SearchFilters()).products]
        with CaptureQueriesContext(connection) as second:
            product_search(query="velo", filters=SearchFilters())
    assert titles == ["Bicyclette pliante"]
    assert len(first) == 4 and len(second) == 2


@pytest.mark.parametrize(
    "word, expansion, field, message",
    [
        ("", "bicyclette", "word", "Tapez le mot que cherchent les clients."),
        ("vélo électrique", "vae", "word", "Tapez un seul mot, sans espace ni ponctuation."),
        ("vélo!", "bicyclette", "word", "Tapez un seul mot, sans espace ni ponctuation."),
        ("pour", "bicyclette", "word", "« pour » est un mot que la recherche ignore (comme « de » ou « pour »)."),
        ("v" * 41, "bicyclette", "word", "Le mot fait au plus 40 caractères."),
        ("velo", "", "expansion", "Tapez ce que ce mot doit aussi trouver."),
        ("velo", "de la", "expansion", "Tapez au moins un mot que la recherche n’ignore pas."),
        ("velo", "b" * 101, "expansion", "Ce qu’il trouve fait au plus 100 caractères."),
        ("velo", "un deux trois quatre cinq six", "expansion", "Utilisez au plus 5 mots."),
        ("Vélo", "velo", "expansion", "Un mot se trouve déjà lui-même : tapez un autre mot ou une autre expression."),
    ],
)
def test_bad_synonyms_are_refused_in_french_and_nothing_is_saved(nancy, word, expansion, field, message):
    staff = _staff(nancy)
    with tenant_context(nancy):
        # when staff type a bad synonym
        with pytest.raises(ValidationError) as refused:
            synonym_add(word=word, expansion=expansion, actor=staff)

        # then they are told why, on the field, and nothing is saved or recorded
        assert refused.value.message_dict[field] == [message]
        assert not Synonym.objects.exists() and not AuditEvent.objects.filter(object_type="synonym").exists()


def test_a_duplicate_and_one_too_many_are_refused(nancy, monkeypatch):
    staff = _staff(nancy)
    with tenant_context(nancy):
        synonym_add(word="velo", expansion="bicyclette", actor=staff)
        # a duplicate, however written
        with pytest.raises(ValidationError) as duplicate:
            synonym_add(word="VÉLO", expansion="Bicyclette", actor=staff)
        assert duplicate.value.message_dict["expansion"] == ["« VÉLO » trouve déjà « Bicyclette »."]
        # past the territory's maximum
        monkeypatch.setattr("vitrine.search.services.SYNONYMS_MAX", 1)
        with pytest.raises(ValidationError) as full:
            synonym_add(word="auto", expansion="voiture", actor=staff)
        assert "le maximum" in full.value.messages[0] and Synonym.objects.count() == 1
    assert SYNONYMS_MAX == 500


def test_only_the_territory_team_may_add_or_delete(nancy):
    with tenant_context(nancy):
        merchant = UserFactory(role=User.Role.MERCHANT)
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
        synonym = synonym_add(word="velo", expansion="bicyclette", actor=staff)
        # when a merchant tries, then it is refused (a 403 on a page) and nothing changes
        with pytest.raises(PermissionDenied):
            synonym_add(word="auto", expansion="voiture", actor=merchant)
        with pytest.raises(PermissionDenied):
            synonym_delete(synonym=synonym, actor=merchant)
        assert list(Synonym.objects.values_list("key", flat=True)) == ["velo"]
