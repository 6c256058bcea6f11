"""Alerts, subscriptions, silences and deliveries over the API; the routes register on import."""
from inventory.api.alerts import alerts, deliveries, silences, subscriptions  # noqa: F401
