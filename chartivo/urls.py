from django.urls import include, path

from chartivo.ops import views as ops

urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("account/", include("chartivo.accounts.urls")),
    path("integrations/", include("chartivo.integrations.stripe.urls")),
    path("", include("chartivo.charts.urls")),
]
