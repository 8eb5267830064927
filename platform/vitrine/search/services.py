"""The territory team's writes on its search: synonyms."""

from __future__ import annotations

import re

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vitrine.accounts.models import User
from vitrine.audit.services import audit_record
from vitrine.search.models import EXPANSION_MAX_LENGTH, WORD_MAX_LENGTH, Synonym
from vitrine.search.synonyms import synonyms_forget_on_commit
from vitrine.search.text import FRENCH_STOP_WORDS, query_terms, search_words, text_fold
from vitrine.shops.permissions import staff_check

SYNONYMS_MAX = 500  # per territory: each is read by every search
EXPANSION_MAX_WORDS = 5


@transaction.atomic
def synonym_add(*, word: str, expansion: str, actor: User) -> Synonym:
    """Territory staff teach the search that `word` also finds `expansion` ("cadeau" → "idées cadeaux")."""
    staff_check(actor)
    word, expansion = " ".join((word or "").split()), " ".join((expansion or "").split())
    errors: dict[str, list[str]] = {}
    words = query_terms(word)
    if not word:
        errors["word"] = [_("Type the word shoppers search for.")]
    elif len(word) > WORD_MAX_LENGTH:
        errors["word"] = [_("The word is at most %(n)s characters.") % {"n": WORD_MAX_LENGTH}]
    elif not re.fullmatch(r"[a-z0-9]+", text_fold(word)):
        errors["word"] = [_("Type a single word, without spaces or punctuation.")]
    elif words[0] in FRENCH_STOP_WORDS:
        errors["word"] = [_("“%(word)s” is a word the search ignores (like “de” or “pour”).") % {"word": word}]
    phrase = search_words(expansion)
    if not expansion:
        errors["expansion"] = [_("Type what this word should also find.")]
    elif len(expansion) > EXPANSION_MAX_LENGTH:
        errors["expansion"] = [_("What it finds is at most %(n)s characters.") % {"n": EXPANSION_MAX_LENGTH}]
    elif not phrase:
        errors["expansion"] = [_("Type at least one word the search does not ignore.")]
    elif len(query_terms(expansion)) > EXPANSION_MAX_WORDS:
        errors["expansion"] = [_("Use at most %(n)s words.") % {"n": EXPANSION_MAX_WORDS}]
    elif phrase == words:
        errors["expansion"] = [_("A word is already found by itself: type another word or phrase.")]
    if errors:
        raise ValidationError(errors)
    key, expansion_key = words[0], " ".join(phrase)
    if Synonym.objects.filter(key=key, expansion_key=expansion_key).exists():
        raise ValidationError(
            {"expansion": [_("“%(word)s” already finds “%(expansion)s”.") % {"word": word, "expansion": expansion}]}
        )
    if Synonym.objects.count() >= SYNONYMS_MAX:
        message = _("The territory has %(n)s synonyms, the most it can have: delete one first.")
        raise ValidationError({NON_FIELD_ERRORS: [message % {"n": SYNONYMS_MAX}]})
    synonym = Synonym.objects.create(
        word=word, expansion=expansion, key=key, expansion_key=expansion_key, created_by=actor
    )
    audit_record(actor=actor, verb="synonym.add", obj=synonym, label=str(synonym), payload={"expansion": expansion})
    synonyms_forget_on_commit()
    return synonym


@transaction.atomic
def synonym_delete(*, synonym: Synonym, actor: User) -> None:
    """Territory staff remove a synonym: the word no longer finds that phrase."""
    staff_check(actor)
    label = str(synonym)
    audit_record(actor=actor, verb="synonym.delete", obj=synonym, label=label, payload={"expansion": synonym.expansion})
    synonym.delete()
    synonyms_forget_on_commit()
