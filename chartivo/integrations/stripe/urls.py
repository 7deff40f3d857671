from django.urls import path

from chartivo.integrations.stripe import views

urlpatterns = [
    path("", views.integrations, name="integrations"),
    path("stripe/", views.save_stripe_key, name="stripe_save"),
    path("stripe/remove/", views.remove_stripe_key, name="stripe_remove"),
    path("stripe/status.json", views.stripe_status, name="stripe_status"),
]
