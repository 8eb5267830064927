"""Stripe's ways with parameters and errors: reading form values, metadata, ids, lists, the error shape."""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from stripe._api_version import _ApiVersion

Obj = dict[str, Any]
Params = dict[str, Any]

API_VERSION = _ApiVersion.CURRENT
CURRENCIES = {"eur": "€", "usd": "$", "gbp": "£", "chf": "CHF"}
IDEMPOTENCY_MISMATCH = (
    "Keys for idempotent requests can only be used with the same parameters they were first used with. "
    "Try using a key other than '{key}' if you meant to execute a different request."
)


class StripeError(Exception):
    """An answer in Stripe's error shape: `{"error": {"type", "code", "message", "param", ...}}` with its status."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",  # noqa: A002 - Stripe's own field name
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        extra: Obj | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.extra = extra or {}

    def body(self) -> Obj:
        """The JSON body Stripe would answer."""
        error: Obj = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        if self.decline_code:
            error["decline_code"] = self.decline_code
        error.update(self.extra)
        return {"error": error}


@dataclass(frozen=True)
class Call:
    """Who asks: the request's id, idempotency key and Stripe-Account (all None for Stripe's own doings)."""

    request_id: str | None = None
    idempotency_key: str | None = None
    stripe_account: str | None = None


AUTOMATIC = Call()


def new_id(prefix: str, length: int = 24) -> str:
    """An id in Stripe's style: `pi_` then random letters and digits."""
    alphabet = string.ascii_letters + string.digits
    return f"{prefix}_" + "".join(secrets.choice(alphabet) for _ in range(length))


def money(cents: int, currency: str = "eur") -> str:
    """Cents as the page shows them: `1 234,50 €`."""
    units, rest = divmod(abs(cents), 100)
    grouped = f"{units:,}".replace(",", "\u202f")
    sign = "-" if cents < 0 else ""
    return f"{sign}{grouped},{rest:02d}\u00a0{CURRENCIES.get(currency, currency.upper())}"


def nested(prefix: str, name: str) -> str:
    """A parameter's full name as Stripe reports it: `line_items[0][quantity]`."""
    return f"{prefix}[{name}]" if prefix else name


def as_int(
    params: Params, name: str, *, required: bool = False, minimum: int | None = None, prefix: str = ""
) -> int | None:
    """An integer parameter (of the hash `prefix`, if given), Stripe's way: `Invalid integer: x` when not one."""
    param = nested(prefix, name)
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise missing(param)
        return None
    if not isinstance(value, str) or not value.lstrip("-").isdigit():
        raise StripeError(f"Invalid integer: {value}", code="parameter_invalid_integer", param=param)
    number = int(value)
    if minimum is not None and number < minimum:
        raise StripeError(
            f"This value must be greater than or equal to {minimum}.", code="parameter_invalid_integer", param=param
        )
    return number


def as_str(
    params: Params, name: str, *, required: bool = False, choices: Iterable[str] | None = None, prefix: str = ""
) -> str | None:
    """A string parameter (of the hash `prefix`, if given), one of `choices` when given."""
    param = nested(prefix, name)
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise missing(param)
        return None
    if not isinstance(value, str):
        raise StripeError(f"Invalid string: {value!r}", code="parameter_invalid_string", param=param)
    allowed = list(choices or [])
    if allowed and value not in allowed:
        raise StripeError(
            f"Invalid {param}: must be one of {', '.join(allowed)}", code="parameter_invalid_string", param=param
        )
    return value


def as_dict(params: Params, name: str) -> Params:
    """A hash parameter (`name[key]=`), empty when absent."""
    value = params.get(name)
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise StripeError(f"Invalid object: {name} must be a hash", code="parameter_invalid_string", param=name)
    return value


def as_bool(params: Params, name: str) -> bool:
    """A boolean parameter (`true`/`false`)."""
    value = params.get(name)
    if value in (None, "", "false"):
        return False
    if value == "true":
        return True
    raise StripeError(f"Invalid boolean: {value}", code="parameter_invalid_string", param=name)


def missing(name: str) -> StripeError:
    """Stripe's answer to a required parameter left out."""
    return StripeError(f"Missing required param: {name}.", code="parameter_missing", param=name)


def metadata_merge(current: Obj, params: Params, name: str = "metadata", *, prefix: str = "") -> Obj:
    """Apply a `metadata` parameter as Stripe does: keys set, a key set to '' removed, '' alone clears all."""
    value = params.get(name)
    name = nested(prefix, name)
    if value is None:
        return current
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise StripeError("Invalid metadata: must be a hash", code="parameter_invalid_string", param=name)
    merged = dict(current)
    for key, item in value.items():
        if not isinstance(item, str):
            raise StripeError(f"Invalid value for metadata[{key}]: must be a string", param=f"{name}[{key}]")
        if len(key) > 40:
            raise StripeError(
                f"Metadata keys can have up to 40 characters; '{key}' has {len(key)}.", param=f"{name}[{key}]"
            )
        if len(item) > 500:
            raise StripeError(
                f"Metadata values can have up to 500 characters, but you passed in a value that is {len(item)} "
                f"characters. Invalid value: {item[:40]}…",
                param=f"{name}[{key}]",
            )
        if item == "":
            merged.pop(key, None)
        else:
            merged[key] = item
    if len(merged) > 50:
        raise StripeError("Metadata can have up to 50 keys.", param=name)
    return merged


def listing(url: str, data: list[Obj]) -> Obj:
    """A Stripe list object."""
    return {"object": "list", "data": data, "has_more": False, "url": url}
