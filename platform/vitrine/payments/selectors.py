"""Reads of the payment policy: what the territory offers, what each shop takes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from vitrine.payments.models import PaymentSettings, ShopPayment
from vitrine.payments.stripe_api import online_payment_configured
from vitrine.shops.models import Shop

PICKUP, ONLINE = "pickup", "online"


def payment_settings() -> PaymentSettings:
    """The territory's payment policy (the defaults until its team changes it: pay at pickup only, no commission)."""
    return PaymentSettings.objects.filter(pk=1).first() or PaymentSettings(pk=1)


def shop_payments_for(*, shop_ids: Iterable[int]) -> dict[int, ShopPayment]:
    """The shops' payment rows by shop id (a shop without one has the defaults)."""
    ids = list(shop_ids)
    found = {row.shop_id: row for row in ShopPayment.objects.filter(shop_id__in=ids)}
    return {pk: found.get(pk) or ShopPayment(shop_id=pk) for pk in ids}


def shop_payment_modes(*, shop: Shop, policy: PaymentSettings, row: ShopPayment) -> frozenset[str]:
    """How a shopper may pay this shop: within the territory's modes, the shop's choice; online only when
    online payment is configured and the shop's account can receive transfers. Never empty: a shop left
    with nothing (online only, account not ready) takes payment at pickup."""
    modes = set()
    if policy.offers_pickup and row.accepts_pickup:
        modes.add(PICKUP)
    if policy.offers_online and row.accepts_online and row.can_receive_transfers and online_payment_configured():
        modes.add(ONLINE)
    return frozenset(modes or {PICKUP})


# --- The shops' Stripe accounts, as people read them ------------------------------------


class AccountState:
    """Where a shop stands with Stripe, in the order a merchant goes through it."""

    NOT_STARTED = "not_started"  # no account yet
    IN_PROGRESS = "in_progress"  # Stripe still needs information
    REVIEW = "review"  # everything given, Stripe is checking it
    ACTIVE = "active"  # the account can receive transfers: online payment works
    REJECTED = "rejected"  # Stripe closed or refused the account
    DISCONNECTED = "disconnected"  # the shop disconnected its account from the platform

    LABELS = {
        NOT_STARTED: _("Not started"),
        IN_PROGRESS: _("In progress"),
        REVIEW: _("Stripe is checking"),
        ACTIVE: _("Online payment active"),
        REJECTED: _("Refused by Stripe"),
        DISCONNECTED: _("Disconnected"),
    }


def shop_payment_get(*, shop: Shop) -> ShopPayment:
    """The shop's payment row (unsaved, with the defaults, when it has none yet)."""
    return ShopPayment.objects.filter(shop=shop).first() or ShopPayment(shop=shop)


def shop_account_state(row: ShopPayment) -> str:
    """The AccountState of a shop's payment row."""
    if row.deauthorized:
        return AccountState.DISCONNECTED
    if not row.stripe_account_id:
        return AccountState.NOT_STARTED
    if row.disabled_reason.startswith("rejected"):
        return AccountState.REJECTED
    if row.can_receive_transfers:
        return AccountState.ACTIVE
    if row.requirements_due or row.requirements_past_due or not row.details_submitted:
        return AccountState.IN_PROGRESS
    return AccountState.REVIEW


# Stripe's requirement codes, the common ones, in the merchant's words (first match wins; a code
# is matched whole, or by its prefix when the entry ends with a dot).
_REQUIREMENTS = (
    ("external_account", _("your bank account details (RIB)")),
    ("tos_acceptance.", _("your acceptance of Stripe's terms")),
    ("business_profile.url", _("the address of your website or of a page about your shop")),
    ("business_profile.mcc", _("the kind of business you run")),
    ("business_profile.product_description", _("a description of what you sell")),
    ("business_profile.", _("a description of your business")),
    ("business_type", _("your type of business (sole trader, company…)")),
    ("company.verification.document", _("a document about your company (such as a Kbis extract)")),
    ("company.tax_id", _("your company's SIREN number")),
    ("company.address.", _("your company's address")),
    ("company.name", _("your company's name")),
    ("company.phone", _("your company's phone number")),
    ("company.owners_provided", _("who owns your company")),
    ("company.directors_provided", _("who runs your company")),
    ("company.executives_provided", _("who runs your company")),
    ("company.", _("information about your company")),
    ("owners.", _("who owns your company")),
    ("directors.", _("who runs your company")),
    ("executives.", _("who runs your company")),
    ("representative.verification.", _("an identity document of your company's legal representative")),
    ("representative.", _("information about your company's legal representative (name, date of birth, address)")),
    ("individual.verification.", _("an identity document")),
    ("individual.first_name", _("your first and last name")),
    ("individual.last_name", _("your first and last name")),
    ("individual.dob.", _("your date of birth")),
    ("individual.address.", _("your home address")),
    ("individual.phone", _("your phone number")),
    ("individual.email", _("your email address")),
    ("individual.", _("information about you")),
)
_PERSON_VERIFICATION = _("an identity document of a person of your company")
_PERSON = _("information about a person of your company")
_OTHER = _("other information Stripe asks for (its page tells you which)")


def _requirement_words(code: str):
    if code.startswith("person_"):  # person_<id>.<field>: someone of a company, named by Stripe's id
        return _PERSON_VERIFICATION if ".verification." in code else _PERSON
    for known, words in _REQUIREMENTS:
        if code == known or (known.endswith(".") and code.startswith(known)):
            return words
    return _OTHER


def requirements_explained(codes: Iterable[str]) -> list[str]:
    """Stripe's requirement codes in plain words, each said once, in the order given."""
    said: list[str] = []
    for code in codes:
        words = str(_requirement_words(code))
        if words not in said:
            said.append(words)
    return said


@dataclass(frozen=True)
class ShopAccountLine:
    """One shop's line in the team's list: its state, what is left, since when Stripe told us."""

    shop: Shop
    row: ShopPayment
    state: str

    @property
    def state_label(self) -> str:
        return str(AccountState.LABELS[self.state])

    @property
    def left_to_do(self) -> list[str]:
        if self.state not in (AccountState.IN_PROGRESS, AccountState.ACTIVE):
            return []
        return requirements_explained([*self.row.requirements_past_due, *self.row.requirements_due])


def shop_account_lines(*, state: str | None = None) -> list[ShopAccountLine]:
    """Every shop of the territory but the refused ones, with its account's state, by name.

    Two queries whatever the number of shops (the shops, then their payment rows).
    """
    shops = list(Shop.objects.exclude(status=Shop.Status.REFUSED).order_by("name", "pk"))
    rows = shop_payments_for(shop_ids=[shop.pk for shop in shops])
    lines = [ShopAccountLine(shop, rows[shop.pk], shop_account_state(rows[shop.pk])) for shop in shops]
    return [line for line in lines if state is None or line.state == state]
