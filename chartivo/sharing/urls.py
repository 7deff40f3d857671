from django.urls import path

from chartivo.sharing import public, views

urlpatterns = [
    path("sharing/", views.share_links, name="share_links"),
    path("sharing/new/", views.share_new, name="share_new"),
    path("sharing/<int:link_id>/revoke/", views.share_revoke, name="share_revoke"),
    path("s/<str:token>/", public.shared, name="shared"),
    path("s/<str:token>/data.json", public.shared_data, name="shared_data"),
    path("s/<str:token>/embed/", public.shared_embed, name="shared_embed"),
]
