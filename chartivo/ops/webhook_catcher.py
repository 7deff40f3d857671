"""``python -m chartivo.ops.webhook_catcher --port N --folder PATH``: the demo's webhook receiver.

It answers every POST on loopback with 200 and writes the request — path, headers and
body, as received — to its own ``.json`` file in the folder (readable by the user alone),
so that what an alert rule's webhook sends can be read: give a rule the address
``http://127.0.0.1:<port>/<any name>``. Standard library only.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from chartivo.lib.state import PRIVATE_FILE, private_folder

READY = "webhook catcher ready at"
MOST_BYTES = 1_000_000  # an alert's body is a few kilobytes


def _body_as_written(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def handler_for(folder: Path) -> type[BaseHTTPRequestHandler]:
    numbers = itertools.count(1)
    lock = threading.Lock()

    class _Catch(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), MOST_BYTES)
            raw = self.rfile.read(length)
            with lock:
                name = f"{time.strftime('%Y%m%d-%H%M%S')}-{next(numbers):04d}.json"
            record = {
                "received": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "path": self.path,
                "headers": dict(self.headers.items()),
                "body": _body_as_written(raw),
            }
            descriptor = os.open(folder / name, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE)
            with os.fdopen(descriptor, "w") as file:
                json.dump(record, file, indent=2, ensure_ascii=False)
            print(f"webhook to {self.path}: {name}", flush=True)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return  # one line per request is printed above

    return _Catch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", required=True)
    args = parser.parse_args()
    folder = private_folder(Path(args.folder))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(folder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"{READY} http://127.0.0.1:{args.port}/, writing to {folder}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.shutdown()


if __name__ == "__main__":
    main()
