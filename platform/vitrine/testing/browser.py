"""Helpers for browser tests (Playwright pages)."""

from __future__ import annotations

import re
import secrets

from vitrine.testing.two_factor import browser_code_give


def unique_slug(prefix: str = "e2e") -> str:
    return f"{prefix}{secrets.randbelow(10**8):08d}"


def label_of(page, field_name: str) -> str:
    """The visible text of the <label> of a Django form field (id_<name>), whatever the language."""
    return page.locator(f"label[for='id_{field_name}']").inner_text().strip()


def by_label(page, field_name: str):
    """The form control a user finds by its label (fails if the label is not tied to the control)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label_of(page, field_name))}\s*$"))


def console_sign_in(page, base_url, operator) -> None:
    """Sign a platform operator (with its raw_password) in through the console's form."""
    page.goto(base_url("console", "/connexion/"))
    page.get_by_label(re.compile(r"e-?mail|adresse [ée]lectronique|courriel", re.I)).fill(operator.email)
    page.get_by_label(re.compile(r"^\s*(password|mot de passe)\s*$", re.I)).fill(operator.raw_password)
    page.locator("main form").get_by_role("button").click()
    browser_code_give(page, operator.totp_code())  # operators sign in with a code too
    page.wait_for_url(base_url("console", "/"))


def territory_sign_in(page, email: str, password: str, *, url: str | None = None, code: str | None = None) -> None:
    """Sign in through a territory's form (at `url`, else the page shown), with the code step if `code`."""
    if url is not None:
        page.goto(url)
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    if code is not None:
        browser_code_give(page, code)
    page.wait_for_load_state()


WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def axe_violations(page) -> list[str]:
    """What axe-core finds against WCAG 2.1 A/AA on the page as shown, one line per rule broken."""
    # A dev dependency, loaded only by the browser tests that check a page.
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG_21_AA)
    return [
        f"{page.url} {v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in results.response["violations"]
    ]
