from django.urls import include, path

from chartivo.charts import errors
from chartivo.ops import views as ops

urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("account/", include("chartivo.accounts.urls")),
    path("integrations/", include("chartivo.integrations.stripe.urls")),
    path("organisation/", include("chartivo.orgs.urls")),
    path("", include("chartivo.sharing.urls")),
    path("", include("chartivo.charts.urls")),
]

handler404 = errors.not_found
handler403 = errors.forbidden
handler500 = errors.server_error
