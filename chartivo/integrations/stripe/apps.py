from django.apps import AppConfig


class StripeIntegrationConfig(AppConfig):
    name = "chartivo.integrations.stripe"
    label = "stripe_integration"
    verbose_name = "Stripe integration"
