#!/usr/bin/env python3
"""A real SMTP server for the tests (aiosmtpd), on 127.0.0.1 only.

Usage: smtp_sink.py PORT DIR [DELAY_SECONDS]

Every accepted message is stored as DIR/<n>.eml (the raw bytes received) together with
DIR/<n>.json (the envelope). Recipients whose local part starts with `reject-permanent` are refused
with 550, those starting with `reject-temporary` with 451. With DELAY_SECONDS, each message is
acknowledged only after that long (a slow server). Prints `ready` once it listens and runs until it
is killed.
"""
import asyncio
import itertools
import json
import os
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, delay):
        self.directory = directory
        self.delay = delay
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject-permanent"):
            return "550 5.1.1 No such user here"
        if local.startswith("reject-temporary"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            n = next(self.counter)
        base = os.path.join(self.directory, f"{n:06d}")
        with open(base + ".eml.partial", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        os.rename(base + ".eml.partial", base + ".eml")
        return "250 2.0.0 Message accepted for delivery"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    os.makedirs(directory, exist_ok=True)
    controller = Controller(Sink(directory, delay), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
