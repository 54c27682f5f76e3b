"""The email worker as its own process, for the kill -9 test (settings from the environment)."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta

from tenohira.core import get_settings
from tenohira.notify.tasks import run


async def main() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    # A short lease so that emails a killed worker was sending are taken over within the test.
    await run(get_settings(), stop, poll_interval=0.05, lease=timedelta(seconds=1))


if __name__ == "__main__":
    asyncio.run(main())
