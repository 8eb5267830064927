"""Stripe's test cards and what each does on the hosted payment page, with the messages it shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Card:
    """A test card number and what paying with it does, as in Stripe's test mode."""

    number: str
    outcome: Literal["succeed", "authenticate", "decline"]
    label: str  # shown on the hosted payment page (French, like the page)
    decline_code: str = ""
    brand: str = "visa"

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def spaced(self) -> str:
        return " ".join(self.number[i : i + 4] for i in range(0, len(self.number), 4))


CARD_SUCCEEDS = "4242424242424242"
CARD_AUTHENTICATE = "4000002760003184"
CARD_DECLINED = "4000000000000002"
CARD_INSUFFICIENT_FUNDS = "4000000000009995"
TEST_CARDS = {
    card.number: card
    for card in (
        Card(CARD_SUCCEEDS, "succeed", "Paiement accepté"),
        Card(CARD_AUTHENTICATE, "authenticate", "Demande l'authentification 3-D Secure"),
        Card(CARD_DECLINED, "decline", "Carte refusée", decline_code="generic_decline"),
        Card(CARD_INSUFFICIENT_FUNDS, "decline", "Fonds insuffisants", decline_code="insufficient_funds"),
    )
}
# Stripe's API message, then the French one the hosted page shows.
DECLINES = {
    "generic_decline": ("card_declined", "Your card was declined.", "Votre carte a été refusée."),
    "insufficient_funds": (
        "card_declined",
        "Your card has insufficient funds.",
        "Votre carte a été refusée : fonds insuffisants.",
    ),
}
AUTHENTICATION_FAILED = (
    "payment_intent_authentication_failure",
    "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new "
    "PaymentMethod to attempt to fulfill this PaymentIntent again.",
    "L'authentification 3-D Secure a échoué : votre carte n'a pas été débitée.",
)


class PageError(Exception):
    """What the hosted page tells the payer when it cannot go on (French), nothing changed."""


class InputError(PageError):
    """What the payer typed cannot be used (an unknown card, a bad e-mail): the form again, nothing changed."""


@dataclass(frozen=True)
class Attempt:
    """The outcome of a payment attempt on the hosted page."""

    outcome: Literal["succeeded", "authenticate", "failed"]
    redirect: str = ""  # success_url with the session's id, when it succeeded
    message: str = ""  # the French error, when it failed
