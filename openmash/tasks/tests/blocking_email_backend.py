"""Test-only email backend that lets a test kill a worker in the middle of sending.

``send_messages`` drops a ``started-*`` marker, waits until the test creates ``release`` in
the same folder, then appends one line per message to ``sent.log`` — so the test can both time
its kill and count exactly how many emails really went out.
"""

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

RELEASE_WAIT_SECONDS = 30


class BlockingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(settings.BLOCKING_EMAIL_DIR)
        (folder / f"started-{os.getpid()}-{time.monotonic_ns()}").touch()
        deadline = time.monotonic() + RELEASE_WAIT_SECONDS
        while not (folder / "release").exists():
            if time.monotonic() > deadline:
                raise TimeoutError("the test never released the blocked send")
            time.sleep(0.05)
        with open(folder / "sent.log", "a", encoding="utf-8") as log:
            for message in email_messages:
                log.write(f"{message.extra_headers['Message-ID']} {message.to[0]}\n")
        return len(email_messages)
