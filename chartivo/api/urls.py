from django.urls import path

from chartivo.api import views

urlpatterns = [
    path("", views.tokens, name="api_tokens"),
    path("<int:token_id>/revoke/", views.revoke_token, name="api_token_revoke"),
    path("docs/", views.docs, name="api_docs"),
]
