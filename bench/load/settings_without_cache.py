"""The app's settings with the chart payload cache switched off (``run.py --no-cache``),
to measure what the cache is worth: every view computes its charts, as before
figures were cached per sync."""

from chartivo.settings import *  # noqa: F403

CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
