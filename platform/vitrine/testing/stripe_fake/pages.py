"""The fake's hosted pages: Checkout's payment page, its 3-D Secure challenge, and Connect onboarding.

They stand in for Stripe's in the demo and the browser tests, so each says at the top, plainly,
that it is a test double and no money moves. Plain HTML forms (no script), labelled fields,
large targets, readable on a phone.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from vitrine.testing.stripe_fake.cards import TEST_CARDS
from vitrine.testing.stripe_fake.params import money

_STYLE = """
*{box-sizing:border-box}
body{margin:0;font:1.0625rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a2e;background:#f4f4f8}
.double{margin:0;padding:.75rem 1rem;background:#8a1c00;color:#fff;font-weight:700;text-align:center}
main{max-width:30rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
.card{background:#fff;border-radius:.75rem;padding:1rem;margin-bottom:1rem;box-shadow:0 1px 3px #0002}
.amount{font-size:2rem;font-weight:700;margin:.25rem 0}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input{width:100%;font:inherit;padding:.75rem;border:2px solid #555;border-radius:.5rem}
input:focus,button:focus,a:focus{outline:3px solid #1a55c4;outline-offset:2px}
button{display:block;width:100%;min-height:3rem;padding:.5rem 1rem;margin-top:1rem;font:inherit;font-weight:700;border:0;
border-radius:.5rem;background:#1a55c4;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1a1a2e;border:2px solid #1a1a2e}
button.danger{background:#a4161a}
.error{border-left:6px solid #a4161a;background:#fde8e8;padding:.75rem;border-radius:.25rem;font-weight:600}
.hint{color:#444;font-size:.95rem}
ul{padding-left:1.25rem}
code{font-size:1rem;white-space:nowrap}
a{color:#1a55c4}
"""
BANNER = "Double de test — ce n'est pas Stripe. Aucun paiement réel, aucune donnée transmise à Stripe."


def layout(title: str, body: str) -> str:
    """A whole page: the test-double banner, then `body`."""
    return f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} — double de test de Stripe</title>
<style>{_STYLE}</style>
</head>
<body>
<p class="double" role="note">{escape(BANNER)}</p>
<main>
{body}
</main>
</body>
</html>
"""


def _error(message: str, back: str | None = None) -> str:
    if not message:
        return ""
    link = f' <a href="{escape(back)}">Retour au site</a>' if back else ""
    return f'<p class="error" role="alert">{escape(message)}{link}</p>'


def payment_page(
    session: dict[str, Any], line_items: Iterable[dict[str, Any]], *, error: str = "", email: str = ""
) -> str:
    """Checkout's payment page: the amount, the lines, e-mail and card fields, the test cards."""
    amount = money(session["amount_total"], session["currency"])
    lines = "".join(
        f"<li>{escape(item['description'])} × {item['quantity']} : {money(item['amount_total'], item['currency'])}</li>"
        for item in line_items
    )
    cards = "".join(f"<li><code>{card.spaced}</code> : {escape(card.label)}</li>" for card in TEST_CARDS.values())
    email = email or (session.get("customer_details") or {}).get("email") or session.get("customer_email") or ""
    back = f'<p><a href="{escape(session["cancel_url"])}">Retour au site</a></p>' if session.get("cancel_url") else ""
    return layout(
        "Paiement",
        f"""<h1>Paiement (double de test)</h1>
{_error(error, session.get("cancel_url"))}
<section class="card" aria-labelledby="amount-title">
<h2 id="amount-title" class="hint">Montant à payer</h2>
<p class="amount">{escape(amount)}</p>
<ul>{lines}</ul>
</section>
<form class="card" method="post" action="/pay/{escape(session["id"])}">
<label for="email">Adresse e-mail</label>
<input id="email" name="email" type="email" autocomplete="email" required value="{escape(email)}">
<label for="card">Numéro de carte</label>
<input id="card" name="card" inputmode="numeric" autocomplete="cc-number" required
 aria-describedby="cards-title" placeholder="4242 4242 4242 4242">
<label for="expiry">Date d'expiration (MM/AA)</label>
<input id="expiry" name="expiry" inputmode="numeric" autocomplete="cc-exp" placeholder="12/34">
<label for="cvc">Code de sécurité (CVC)</label>
<input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123">
<button type="submit">Payer {escape(amount)}</button>
</form>
<section class="card" aria-labelledby="cards-title">
<h2 id="cards-title">Cartes de test</h2>
<ul>{cards}</ul>
<p class="hint">N'importe quelle date future et n'importe quel code conviennent.</p>
</section>
{back}""",
    )


def challenge_page(session: dict[str, Any]) -> str:
    """The 3-D Secure challenge the bank would show."""
    amount = money(session["amount_total"], session["currency"])
    return layout(
        "Authentification 3-D Secure",
        f"""<h1>Authentification 3-D Secure (simulée)</h1>
<section class="card">
<p>Votre banque demande de confirmer le paiement de <strong>{escape(amount)}</strong>.</p>
<form method="post" action="/pay/{escape(session["id"])}/3ds">
<button type="submit" name="result" value="succeed">Authentifier</button>
<button type="submit" name="result" value="fail" class="danger">Échouer</button>
</form>
</section>""",
    )


def message_page(title: str, message: str, *, link: str | None = None, link_text: str = "Retour au site") -> str:
    """A page that only says something (payment failed, session expired...) with a way back."""
    back = f'<p><a href="{escape(link)}">{escape(link_text)}</a></p>' if link else ""
    return layout(title, f"<h1>{escape(title)}</h1>\n{_error(message)}\n{back}")


def onboarding_page(token: str, account: dict[str, Any]) -> str:
    """Connect's hosted onboarding: complete everything, leave something to do, or revoke the platform."""
    name = account["business_profile"].get("name") or account.get("email") or account["id"]
    return layout(
        "Inscription du compte de paiement",
        f"""<h1>Compte de paiement de {escape(name)}</h1>
<section class="card">
<p>Compte <code>{escape(account["id"])}</code>. Sur Stripe, la boutique donnerait ici son identité, son SIRET et
son IBAN. Choisissez ce qui se passe :</p>
<form method="post" action="/onboarding/{escape(token)}">
<button type="submit" name="action" value="complete">Tout compléter (Complete everything)</button>
<button type="submit" name="action" value="leave_due" class="secondary">Laisser quelque chose à faire
(Leave something to do)</button>
<button type="submit" name="action" value="deauthorize" class="danger">Révoquer l'accès de la plateforme
(Deauthorize)</button>
</form>
</section>""",
    )
