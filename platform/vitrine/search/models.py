"""What the territory team teaches its search: synonyms."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

WORD_MAX_LENGTH = 40
EXPANSION_MAX_LENGTH = 100


class Synonym(models.Model):
    """A word shoppers type (`word`) that also finds another phrase (`expansion`): "cadeau" → "idées cadeaux".

    One way only: "idées cadeaux" does not find "cadeau". `key` and `expansion_key` are the
    words folded as the search folds them (vitrine.search.text), which is what it compares.
    """

    word = models.CharField(_("word typed"), max_length=WORD_MAX_LENGTH)
    expansion = models.CharField(_("also finds"), max_length=EXPANSION_MAX_LENGTH)
    key = models.CharField(max_length=WORD_MAX_LENGTH, db_index=True)
    expansion_key = models.CharField(max_length=EXPANSION_MAX_LENGTH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "expansion_key"]
        constraints = [models.UniqueConstraint(fields=["key", "expansion_key"], name="synonym_unique_pair")]

    def __str__(self) -> str:
        return f"{self.word} → {self.expansion}"
