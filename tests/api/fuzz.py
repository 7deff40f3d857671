"""The read API fuzzed against its own OpenAPI document with schemathesis.

Every operation of ``/api/v1/openapi.json`` is asked with requests made from the document
(valid ones, and in the same number ones that break it: wrong types, values off the lists,
missing parameters), in this process, through the app's own WSGI handler, with a real
token; each answer must be no server error and must match the document: its status among
the documented ones, its content type, its body's schema. A failure is recorded by check
and operation, with the token masked, and the run goes on.

Positive data is not required to be accepted: the document cannot say that a measure must
belong to its metric or that a custom range needs its dates, and the API answers those
with a documented 400.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from chartivo.lib.redaction import mask_secrets

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass
class Outcome:
    examples: int = 0
    server_errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)  # a query that failed, per failure

    def summary(self) -> str:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        failed = "; ".join(
            f"{what} ×{n}, e.g. {self.samples.get(what, '')[:200]}"
            for what, n in self.failures.most_common(10)
        )
        return (
            f"schemathesis: {self.examples} examples, {len(self.failures)} kinds of failure"
            f" ({sum(self.failures.values())} in all), {self.server_errors} server errors; "
            f"statuses {statuses}" + (f"; failures: {failed}" if failed else "")
        )


@contextmanager
def _requests_in_this_transaction() -> Iterator[None]:
    """As Django's test client does: a request must not close the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def fuzz_api(token: str, *, examples: int) -> Outcome:
    # The rate limit has its own test: here every example must reach the endpoints.
    with _requests_in_this_transaction(), override_settings(API_REQUESTS_PER_MINUTE=10**9):
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
        operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
        # Half valid, half not, spread over the operations.
        per_run = max(1, -(-examples // (2 * len(operations))))
        outcome = Outcome()
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(operation, mode, token, per_run, outcome)
    return outcome


def _fuzz(
    operation: Any, mode: GenerationMode, token: str, examples: int, outcome: Outcome
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    checks = [*CHECKS, *([negative_data_rejection] if mode.is_negative else [])]
    name = f"{operation.method.upper()} {operation.path} ({mode.value})"

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],  # failures are counted, not shrunk
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        outcome.examples += 1
        outcome.statuses[response.status_code] += 1
        outcome.server_errors += response.status_code >= 500
        # A list or an object given to a parameter is sent as that many repeats of it (the
        # API refuses a repeated parameter), or as nothing: one sent once or not at all left
        # a request that is valid on the wire, and may rightly be answered 200.
        wire = Counter(name for name, _ in parse_qsl(urlsplit(response.request.url).query))
        unsent = any(
            isinstance(value, list | dict) and wire[name] <= 1
            for name, value in (case.query or {}).items()
        )
        try:
            case.validate_response(response, checks=CHECKS if unsent else checks, headers=headers)
        except FailureGroup as group:  # each failure is counted, and the run goes on
            for failure in group.exceptions:
                what = f"{name}: {failure.title} ({' '.join(failure.message.split())[:150]})"
                outcome.failures[mask_secrets(what)] += 1
                outcome.samples.setdefault(mask_secrets(what), mask_secrets(repr(case.query)))

    run()
