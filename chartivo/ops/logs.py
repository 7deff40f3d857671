"""Logging pieces used by ``chartivo serve`` (``gunicorn_conf.py``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

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
