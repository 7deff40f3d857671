"""Logging pieces used by ``chartivo serve`` (``gunicorn_conf.py``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from gunicorn.glogging import Logger

from chartivo.lib.redaction import mask_secrets

# gunicorn's access-log atoms worth a field of their own in a JSON line.
_ACCESS_FIELDS = {
    "h": "remote",
    "m": "method",
    "U": "path",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
}


class AccessLogFields(logging.Filter):
    """Copies an access record's atoms to fields: log search can then filter on status or
    duration instead of parsing the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args
        if isinstance(atoms, Mapping):
            for atom, field in _ACCESS_FIELDS.items():
                value = atoms[atom]
                setattr(record, field, int(str(value)) if str(value).isdigit() else value)
        return True


class MaskingLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger with secrets masked in every access-log atom: a shared chart's
    address holds its token (``/s/cvs_…/``), and the path is logged in text and JSON
    modes alike, before any of the app's logging filters could see it."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {
            name: mask_secrets(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }
