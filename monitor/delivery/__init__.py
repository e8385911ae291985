"""Delivery: notifiers (email, webhook, atom) and the outbox that drives them."""
