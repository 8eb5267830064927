"""The fake's hosted pages in Chromium on a phone: they say they are a test double, read well (WCAG 2.1 AA),
and pay, fail and authenticate as Stripe Checkout would. No Vitrine server: only the fake."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from vitrine.testing.browser_fixtures import CHROMIUM_ARGS, PHONE
from vitrine.testing.stripe_fake import CARD_AUTHENTICATE, CARD_DECLINED, StripeFake

pytestmark = pytest.mark.browser

WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


@pytest.fixture(scope="module")
def phone(chromium) -> Iterator:
    """A phone-sized tab of Debian's Chromium, for this module only (no Vitrine server needed)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        context.set_default_timeout(10_000)
        yield context.new_page()
        browser.close()


def violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG_21_AA)
    return [f"{page.url} {v['id']}: {v['help']}" for v in results.response["violations"]]


def test_hosted_pages_pay_after_a_decline_and_3d_secure_on_a_phone(phone, screenshot):
    # given a session, as Vitrine creates it
    with StripeFake() as fake:
        client = fake.client()
        session = client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "price_data": {"currency": "eur", "unit_amount": 1250, "product_data": {"name": "Pains"}},
                        "quantity": 2,
                    }
                ],
                "customer_email": "claire@example.fr",
                "success_url": f"{fake.base_url}/_fake/events?session={{CHECKOUT_SESSION_ID}}",
                "cancel_url": f"{fake.base_url}/",
                "expires_at": int(time.time()) + 3600,
                "payment_intent_data": {"capture_method": "manual"},
            }
        )
        account = client.v1.accounts.create(params={"type": "express", "business_profile": {"name": "Boulangerie"}})
        link = client.v1.account_links.create(
            params={
                "account": account.id,
                "type": "account_onboarding",
                "return_url": f"{fake.base_url}/",
                "refresh_url": f"{fake.base_url}/",
            }
        )
        found: list[str] = []

        # when the payer's card is declined
        phone.goto(session.url)
        assert "ce n'est pas Stripe" in phone.locator("body").inner_text()
        found += violations(phone)
        phone.get_by_label("Numéro de carte").fill(CARD_DECLINED)
        phone.get_by_role("button", name=re.compile("^Payer 25,00")).click()

        # then the page says so, with the way back
        assert phone.get_by_role("alert").inner_text().startswith("Votre carte a été refusée.")
        assert phone.get_by_role("link", name="Retour au site").first.is_visible()
        found += violations(phone)

        # when the payer tries a card that asks for 3-D Secure, and authenticates
        phone.get_by_label("Numéro de carte").fill(CARD_AUTHENTICATE)
        phone.get_by_role("button", name=re.compile("^Payer")).click()
        found += violations(phone)
        screenshot(phone, "stripe-fake-3ds-phone")
        phone.get_by_role("button", name="Authentifier").click()

        # then the payer is back on the success URL, and the payment is authorised
        phone.wait_for_url(re.compile(r"/_fake/events\?session=cs_test_"))
        intent = client.v1.payment_intents.retrieve(client.v1.checkout.sessions.retrieve(session.id).payment_intent)
        assert intent.status == "requires_capture"

        # and the onboarding page reads well too, and completes the account
        phone.goto(link.url)
        found += violations(phone)
        phone.get_by_role("button", name=re.compile("Complete everything")).click()
        phone.wait_for_url(f"{fake.base_url}/")
        found += violations(phone)
        assert client.v1.accounts.retrieve(account.id).charges_enabled is True
        assert not found, "\n".join(found)
