from django.urls import path

from chartivo.orgs import joining, views

urlpatterns = [
    path("members/", views.members, name="members"),
    path("members/invite/", views.invite, name="member_invite"),
    path("members/<int:member_id>/role/", views.set_role, name="member_role"),
    path("members/<int:member_id>/remove/", views.remove, name="member_remove"),
    path("invitations/<int:invitation_id>/withdraw/", views.withdraw, name="invitation_withdraw"),
    path("join/", joining.invitation, name="invitation"),
    path("switch/", views.switch, name="organisation_switch"),
    path("rename/", views.rename_organisation, name="organisation_rename"),
    path("delete/", views.delete_organisation, name="organisation_delete"),
]
