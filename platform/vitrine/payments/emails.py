"""The payment emails (being written on another branch; this placeholder sends nothing)."""


def payment_authorised_email_send(*, cart_payment) -> None:
    pass


def payment_captured_email_send(*, cart_payment) -> None:
    pass


def payment_refunded_email_send(*, order_payment) -> None:
    pass
