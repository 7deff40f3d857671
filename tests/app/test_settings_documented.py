"""Every setting the app reads from the environment is documented in the README's table,
and every documented setting is read somewhere: an undocumented knob is a trap."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = re.compile(r"""(?:env_[a-z]+|os\.environ\.get|environ\.get)\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def _settings_read() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "chartivo").rglob("*.py"):
        names.update(READ.findall(path.read_text()))
    return names - {"DJANGO_SETTINGS_MODULE"}


def _settings_documented() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Settings") : readme.index("## Running in production")]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", table, flags=re.MULTILINE))


def test_every_setting_read_is_documented_in_the_readme() -> None:
    undocumented = _settings_read() - _settings_documented()
    assert not undocumented, f"settings missing from the README's table: {sorted(undocumented)}"


def test_every_documented_setting_is_read_by_the_app() -> None:
    stale = _settings_documented() - _settings_read()
    assert not stale, f"the README documents settings nothing reads: {sorted(stale)}"
