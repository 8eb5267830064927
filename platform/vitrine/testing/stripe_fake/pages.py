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
from vitrine.testing.stripe_fake.webhooks import Delivery, Webhooks

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
form.inline{display:inline}
form.inline button{display:inline-block;width:auto;min-height:2.75rem;margin:.25rem .25rem 0 0}
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


def express_page(
    account: dict[str, Any], balance: int, transfers: list[dict[str, Any]], payouts: list[dict[str, Any]]
) -> str:
    """The shop's Express dashboard, reduced to what a merchant looks for: balance, transfers, payouts."""
    name = account["business_profile"].get("name") or account.get("email") or account["id"]
    received = "".join(
        f"<li>{money(t['amount'] - t['amount_reversed'], t['currency'])} — {escape(t['transfer_group'] or t['id'])}"
        + (f" (dont {money(t['amount_reversed'], t['currency'])} repris)" if t["amount_reversed"] else "")
        + "</li>"
        for t in transfers
    )
    paid_out = "".join(
        f"<li>{money(p['amount'], p['currency'])} — {'échoué' if p['status'] == 'failed' else 'versé'}</li>"
        for p in payouts
    )
    return layout(
        "Tableau de bord",
        f"""<h1>Tableau de bord de {escape(name)}</h1>
<section class="card"><h2>Solde</h2><p class="amount">{escape(money(balance))}</p></section>
<section class="card"><h2>Virements reçus</h2><ul>{received or "<li>Aucun</li>"}</ul></section>
<section class="card"><h2>Versements sur le compte bancaire</h2><ul>{paid_out or "<li>Aucun</li>"}</ul></section>""",
    )


def _button(action: str, label: str, *, css: str = "", **fields: str) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">' for name, value in fields.items()
    )
    return (
        f'<form method="post" action="{escape(action)}" class="inline">{hidden}'
        f'<input type="hidden" name="next" value="/"><button type="submit" class="{css}">{escape(label)}</button></form>'
    )


def _rows(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [obj for obj in objects if obj.get("object") == kind]


def dashboard_page(
    *,
    objects: list[dict[str, Any]],
    deliveries: list[Delivery],
    mode: dict[str, Any],
    holding: int | None,
    webhooks: Webhooks,
    deauthorized: set[str],
) -> str:
    """The fake's own dashboard for the demo: sessions, payments, accounts, disputes, webhooks, with controls."""
    sections: list[str] = []
    sessions = "".join(
        f"<li><code>{escape(s['id'][:20])}…</code> {money(s['amount_total'], s['currency'])} — {escape(s['status'])}"
        + (f' — <a href="/pay/{escape(s["id"])}">payer</a>' if s["status"] == "open" else "")
        + "</li>"
        for s in _rows(objects, "checkout.session")[:20]
    )
    sections.append(f"<h2>Sessions de paiement</h2><ul>{sessions or '<li>Aucune</li>'}</ul>")
    charges = []
    for charge in _rows(objects, "charge")[:20]:
        if charge["status"] != "succeeded":
            continue
        state = (
            f"capturé {money(charge['amount_captured'])}, remboursé {money(charge['amount_refunded'])}"
            if charge["captured"]
            else f"autorisé {money(charge['amount'])}"
        )
        dispute = (
            _button(f"/_fake/charges/{charge['id']}/dispute", "Ouvrir un litige", css="secondary")
            if charge["captured"] and not charge["disputed"]
            else ""
        )
        charges.append(
            f"<li><code>{escape(charge['id'])}</code> ({escape(charge['payment_intent'])}) : {state}{dispute}</li>"
        )
    sections.append(f"<h2>Paiements</h2><ul>{''.join(charges) or '<li>Aucun</li>'}</ul>")
    disputes = "".join(
        f"<li><code>{escape(d['id'])}</code> sur <code>{escape(d['charge'])}</code> : {money(d['amount'])}, "
        f"{escape(d['status'])}"
        + (
            _button(f"/_fake/disputes/{d['id']}/close", "Litige gagné", won="true")
            + _button(f"/_fake/disputes/{d['id']}/close", "Litige perdu", css="danger", won="false")
            if d["status"] == "needs_response"
            else ""
        )
        + "</li>"
        for d in _rows(objects, "dispute")
    )
    sections.append(f"<h2>Litiges</h2><ul>{disputes or '<li>Aucun</li>'}</ul>")
    accounts = "".join(
        f"<li><code>{escape(a['id'])}</code> {escape(a['business_profile'].get('name') or a.get('email') or '')} : "
        + (
            "accès révoqué par la boutique"
            if a["id"] in deauthorized
            else f"virements {escape(str(a['capabilities'].get('transfers', '—')))}, "
            f"à faire : {escape(', '.join(a['requirements']['currently_due']) or 'rien')}"
            + _button(f"/_fake/accounts/{a['id']}/complete", "Tout compléter")
            + _button(f"/_fake/accounts/{a['id']}/leave_due", "Laisser quelque chose à faire", css="secondary")
            + _button(f"/_fake/accounts/{a['id']}/payout", "Virement bancaire échoué", css="secondary", failed="true")
            + _button(f"/_fake/accounts/{a['id']}/deauthorize", "Révoquer l'accès", css="danger")
        )
        + "</li>"
        for a in _rows(objects, "account")
    )
    sections.append(f"<h2>Comptes des boutiques</h2><ul>{accounts or '<li>Aucun</li>'}</ul>")
    endpoints = "".join(
        f"<li>{name} : {escape(endpoint.url) if endpoint else 'aucun'}"
        + (f" (Host {escape(endpoint.host)})" if endpoint and endpoint.host else "")
        + "</li>"
        for name, endpoint in (("plateforme", webhooks.platform), ("comptes", webhooks.connect))
    )
    toggles = (
        _button(
            "/_fake/webhooks",
            f"Doublons : {'oui' if mode['duplicates'] else 'non'}",
            css="secondary",
            duplicates="false" if mode["duplicates"] else "true",
        )
        + _button(
            "/_fake/webhooks",
            f"Livraisons coupées : {'oui' if mode['drop'] else 'non'}",
            css="secondary",
            drop="false" if mode["drop"] else "true",
        )
        + (
            _button("/_fake/webhooks/release", f"Libérer {holding} événement(s) dans l'ordre", reverse="false")
            + _button("/_fake/webhooks/release", f"Libérer {holding} événement(s) à l'envers", reverse="true")
            if holding is not None
            else _button("/_fake/webhooks", "Retenir les événements", css="secondary", hold="true")
        )
    )
    log = "".join(
        f"<li>{escape(d.event_type)} → {d.target} : {d.status or escape(d.error)} (essai {d.attempt})</li>"
        for d in deliveries
    )
    sections.append(
        f"<h2>Webhooks</h2><ul>{endpoints}</ul>{toggles}<h3>Dernières livraisons</h3><ul>{log or '<li>Aucune</li>'}</ul>"
    )
    return layout(
        "Tableau de bord",
        "<h1>Tableau de bord du double de Stripe</h1>\n"
        + "\n".join(f'<section class="card">{section}</section>' for section in sections),
    )
