from django.urls import path

from chartivo.digests import unsubscribe, views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("unsubscribe/", unsubscribe.unsubscribe, name="unsubscribe"),
]
