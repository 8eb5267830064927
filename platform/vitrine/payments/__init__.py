"""Online payment (Stripe Connect), to come: the room is ready and its place in the layers fixed.

payments sits above orders and only calls the order lifecycle (orders.lifecycle.order_transition)
when a payment event moves an order (authorised: pending_payment -> placed). The other way, an
order state that needs a payment step (capture what was accepted, transfer to a shop) is read by
payments' own jobs from the orders' state; orders never imports payments.
"""
