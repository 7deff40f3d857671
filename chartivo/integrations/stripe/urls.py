from django.urls import path

from chartivo.integrations.stripe import views

urlpatterns = [
    path("", views.integrations, name="integrations"),
    path("stripe/", views.save_stripe_key, name="stripe_save"),
    path("stripe/add/", views.add_stripe_account, name="stripe_add"),
    path("stripe/remove/", views.remove_stripe_key, name="stripe_remove"),
    path("stripe/<int:connection_id>/replace/", views.replace_stripe_key, name="stripe_replace"),
    path(
        "stripe/<int:connection_id>/remove/", views.remove_stripe_account, name="stripe_remove_one"
    ),
    path("stripe/status.json", views.stripe_status, name="stripe_status"),
]
