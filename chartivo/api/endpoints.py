"""The read API, ``/api/v1/``: the metric catalogue, any chart's series, Home's headline
figures, and the OpenAPI document written from this code.

django-ninja rather than drf-spectacular: the API is three read-only endpoints beside an
app made of plain Django views; ninja adds them as plain views too, types their
parameters and answers with pydantic, and writes the OpenAPI document from those same
types, where drf-spectacular would bring Django REST framework (serializers, viewsets, its
own authentication and throttling) for the sake of three GETs, and document it from
introspection that must be corrected by hand where it guesses.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from ninja import NinjaAPI, Query, Schema
from ninja.responses import Response

from chartivo.api.auth import BearerToken, PerTokenLimit
from chartivo.api.errors import ApiError, install_handlers
from chartivo.api.figures import series_answer
from chartivo.api.headlines import headlines_answer
from chartivo.api.schemas import (
    CatalogueResponse,
    ErrorResponse,
    HeadlinesResponse,
    SeriesQuery,
    SeriesResponse,
    ViewQuery,
)
from chartivo.charts.accounts import ALL, ALL_LABEL, connections_of
from chartivo.charts.models import COMPARE_CHOICES, RANGE_LABELS
from chartivo.charts.query import VIEWS
from chartivo.integrations.stripe.catalogue import METRICS
from chartivo.metrics.periods import Granularity

API_ROOT = "/api/v1/"
DESCRIPTION = (
    "Chartivo's figures for programs, read-only. Every request carries a personal access "
    "token (profile menu → API tokens) as `Authorization: Bearer chv_…`; it reads what its "
    "member may read in the organisation it was made for. Errors are "
    '`{"error": {"code": …, "message": …}}`. See /account/api/docs/.'
)

api = NinjaAPI(
    title="Chartivo read API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url=None,  # documented on the app's own page, which needs no script from elsewhere
    openapi_url=None,  # served by ``openapi_document`` below, to GET only
    auth=BearerToken(),
    throttle=PerTokenLimit(),
)
install_handlers(api)

REFUSALS: dict[int, type[ErrorResponse]] = {
    400: ErrorResponse,
    401: ErrorResponse,
    429: ErrorResponse,
}


# No cookie is read here, as on every address of the API: a POST is refused for its method.
@csrf_exempt
@require_GET
def openapi_document(request: HttpRequest) -> HttpResponse:
    """The OpenAPI document, public: it describes the API and holds nothing of anyone's."""
    return Response(api.get_openapi_schema(path_prefix=API_ROOT))


def only_known_parameters(request: HttpRequest, schema: type[Schema] | tuple[()]) -> None:
    """A parameter the endpoint does not take, or one given twice, is refused, never
    ignored: a misspelt ``granulrity=week`` would otherwise answer by day, looking right."""
    known = (
        {field.alias or name for name, field in schema.model_fields.items()}
        if isinstance(schema, type)
        else set()
    )
    repeated = sorted(name for name in request.GET if len(request.GET.getlist(name)) > 1)
    if repeated:
        raise ApiError(
            400,
            "invalid_parameter",
            f"“{repeated[0][:40]}” is given more than once: give each parameter once.",
        )
    unknown = sorted(set(request.GET) - known)
    if unknown:
        takes = ", ".join(sorted(known)) or "none"
        raise ApiError(
            400,
            "unknown_parameter",
            f"Unknown parameter “{unknown[0][:40]}”: this endpoint takes {takes}.",
        )


@api.get(
    "/metrics",
    response={200: CatalogueResponse, **REFUSALS},
    summary="The metric catalogue",
    description="Every metric with its measures and breakdowns, the organisation's Stripe "
    "accounts, and the values each parameter of /series and /headlines takes.",
)
def catalogue(request: HttpRequest) -> dict[str, object]:
    only_known_parameters(request, ())
    connections = connections_of(request)
    accounts = [{"id": ALL, "name": ALL_LABEL, "mode": ""}] if len(connections) > 1 else []
    accounts += [{"id": str(c.pk), "name": c.name, "mode": c.mode_label} for c in connections]
    return {
        "metrics": [
            {
                "key": m.key,
                "label": m.label,
                "description": m.description,
                "measures": [{"key": x.key, "label": x.label, "kind": x.kind} for x in m.measures],
                "breakdowns": [{"key": b.key, "label": b.label} for b in m.breakdowns],
            }
            for m in METRICS.values()
        ],
        "accounts": accounts,
        "ranges": [{"key": k, "label": v} for k, v in RANGE_LABELS],
        "granularities": [g.value for g in Granularity],
        "compare": [{"key": k, "label": v} for k, v in COMPARE_CHOICES],
        "views": [{"key": k, "label": v} for k, v in VIEWS.items()],
    }


@api.get(
    "/series",
    response={200: SeriesResponse, 409: ErrorResponse, **REFUSALS},
    summary="A chart's series",
    description="The series a chart page draws for these parameters (its address's), in "
    "every currency: each point's value is written as in the chart's CSV. 409 when the "
    "organisation has no Stripe account or the key cannot read the metric.",
)
def series(request: HttpRequest, query: Query[SeriesQuery]) -> dict[str, object]:
    only_known_parameters(request, SeriesQuery)
    return series_answer(request, query)


@api.get(
    "/headlines",
    response={200: HeadlinesResponse, 409: ErrorResponse, **REFUSALS},
    summary="Home's headline figures",
    description="Gross and net volume, successful charges, new customers, refunds, disputes "
    "and the three rates, for a range (by default the one the member's Home shows).",
)
def headlines(request: HttpRequest, query: Query[ViewQuery]) -> dict[str, object]:
    only_known_parameters(request, ViewQuery)
    return headlines_answer(request, query)
