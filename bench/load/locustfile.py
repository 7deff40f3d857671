"""50 people using Chartivo at once (run by run.py; ``LOAD_TEST_USERS`` names the users file).

Each simulated user has their own login and 20 saved charts. They open Home (every chart's
card), then a chart (its page, then the ``data.json`` its script draws from), and now and
then a static file, as a browser with a cold cache would: the static file, served by the
same gunicorn workers through whitenoise, is the ceiling the app's pages are measured
against. A user pauses 0.5–1.5 s between clicks.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

_USERS: list[dict[str, Any]] = json.loads(Path(os.environ["LOAD_TEST_USERS"]).read_text())["users"]
_next_user = itertools.count()
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')


class ChartivoUser(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        me = _USERS[next(_next_user) % len(_USERS)]
        self.client.cookies.set("sessionid", me["session"])
        self.charts: list[int] = me["charts"]
        home = self.client.get("/", name="Home")
        found = _STYLESHEET.search(home.text)
        self.stylesheet = found.group(1) if found else "/static/css/app.css"

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="Home")

    @task(3)
    def open_a_chart(self) -> None:
        chart = random.choice(self.charts)
        self.client.get(f"/charts/{chart}/", name="Chart page")
        self.client.get(f"/charts/{chart}/data.json", name="Chart data (data.json)")

    @task(1)
    def static_file(self) -> None:
        self.client.get(self.stylesheet, name="Static file (app.css, whitenoise)")
