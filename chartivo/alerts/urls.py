from django.urls import path

from chartivo.alerts import views

urlpatterns = [
    path("", views.rules, name="alerts"),
    path("new/", views.rule_new, name="alert_new"),
    path("ready-made/", views.preset_add, name="alert_preset"),
    path("<int:rule_id>/", views.rule_detail, name="alert_detail"),
    path("<int:rule_id>/edit/", views.rule_edit, name="alert_edit"),
    path("<int:rule_id>/delete/", views.rule_delete, name="alert_delete"),
    path("<int:rule_id>/secret/", views.rule_secret, name="alert_secret"),
]
