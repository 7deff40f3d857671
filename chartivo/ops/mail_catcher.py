"""``python -m chartivo.ops.mail_catcher --port N --folder PATH``: the demo's SMTP server.

It accepts every message on loopback and writes it, as sent, to its own ``.eml`` file in
the folder (readable by the user alone), so that what the demo sends — sign-up
confirmations, password resets, invitations, digests — can be opened in any mail program.
It needs aiosmtpd, which the development install has (``requirements-dev.lock``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

from chartivo.lib.state import PRIVATE_FILE, private_folder

READY = "mail catcher ready at"


class _Folder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.numbers = itertools.count(1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{next(self.numbers):04d}.eml"
        descriptor = os.open(self.folder / name, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE)
        with os.fdopen(descriptor, "wb") as file:
            file.write(envelope.original_content or envelope.content)
        print(f"mail to {', '.join(envelope.rcpt_tos)}: {name}", flush=True)
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", required=True)
    args = parser.parse_args()
    from aiosmtpd.controller import Controller

    folder = private_folder(Path(args.folder))
    controller = Controller(_Folder(folder), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"{READY} 127.0.0.1:{args.port}, writing to {folder}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
