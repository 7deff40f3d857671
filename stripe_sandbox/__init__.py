"""Chartivo's local Stripe sandbox: a Stripe-compatible API server over generated data.

Run it with ``chartivo-sandbox`` or ``python -m stripe_sandbox``; drive it from tests with
``stripe_sandbox.testing``. The Chartivo app never imports this package.
"""
