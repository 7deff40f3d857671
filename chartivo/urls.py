from django.urls import include, path

from chartivo.api.endpoints import api, openapi_document
from chartivo.charts import errors
from chartivo.ops import views as ops

urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("account/api/", include("chartivo.api.urls")),
    path("account/", include("chartivo.accounts.urls")),
    path("account/", include("chartivo.digests.urls")),
    path("api/v1/openapi.json", openapi_document, name="api_openapi"),
    path("api/v1/", api.urls),
    path("integrations/", include("chartivo.integrations.stripe.urls")),
    path("organisation/", include("chartivo.orgs.urls")),
    path("alerts/", include("chartivo.alerts.urls")),
    path("", include("chartivo.sharing.urls")),
    path("", include("chartivo.charts.urls")),
]

handler404 = errors.not_found
handler403 = errors.forbidden
handler500 = errors.server_error
