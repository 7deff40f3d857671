"""``chartivo``: the app's command line.

chartivo demo                      sandbox + web app + worker, seeded (the README's first command)
chartivo serve [gunicorn options]  the production web server
chartivo worker                    a background worker (tasks + refresh scheduler)
chartivo generate-encryption-key   a new entry for CHARTIVO_ENCRYPTION_KEYS
chartivo <django command> ...      any management command (migrate, rotate_encryption_keys, …)
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chartivo.settings")
    command = args[0] if args else "help"
    if command in ("help", "-h", "--help"):
        print(__doc__)
        return
    if command == "demo":
        from django.core.exceptions import ImproperlyConfigured

        try:
            from chartivo.ops.demo import run_demo
        except ImproperlyConfigured as error:
            sys.exit(f"chartivo demo: {error}")
        sys.exit(run_demo(args[1:]))
    if command == "generate-encryption-key":
        from chartivo.lib.secretbox import generate_key_entry

        key_id = args[1] if len(args) > 1 else "k1"
        print(generate_key_entry(key_id))
        return
    if command == "serve":
        from gunicorn.app.wsgiapp import run

        sys.argv = [
            "gunicorn",
            "--config",
            "python:chartivo.ops.gunicorn_conf",
            *args[1:],
            "chartivo.wsgi:application",
        ]
        run()
        return
    from django.core.management import execute_from_command_line

    if command == "worker":
        args[0] = "run_worker"
    execute_from_command_line(["chartivo", *args])


if __name__ == "__main__":
    main()
