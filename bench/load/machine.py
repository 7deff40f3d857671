"""Measuring on a shared machine: wait until it is quiet, and say how busy it was."""

from __future__ import annotations

import os
import time


def load_average() -> float:
    return os.getloadavg()[0]


def wait_until_quiet(*, threshold: float = 2.0, poll: float = 30, patience: float = 1200) -> float:
    """Waits (up to ``patience`` seconds) for the 1-minute load to drop to ``threshold``;
    returns the load measurement starts at, quiet or not, so the report can say so."""
    deadline = time.monotonic() + patience
    while (load := load_average()) > threshold and time.monotonic() < deadline:
        print(f"machine busy (1-minute load {load:.2f} > {threshold:g}); waiting…", flush=True)
        time.sleep(poll)
    if load > threshold:
        print(f"still busy after {patience:.0f}s (load {load:.2f}); measuring anyway", flush=True)
    return load
