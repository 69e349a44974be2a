"""Worker processes end when the process that started them ends.

Workers are forked from multiprocessing's fork server, not from the run's main process, and they
hold pipes that keep the fork server alive: when the main process dies (kill -9, or a service
stopped with SIGTERM), nothing else would ever end them. So each worker watches the main process
and exits within a second of its end.
"""

from __future__ import annotations

import os
import threading
import time

POLL_SECONDS = 1.0


def exit_with(main_pid: int) -> None:
    """Start a watcher thread: this process exits once ``main_pid`` has ended."""

    def watch() -> None:
        while True:
            time.sleep(POLL_SECONDS)
            if not _alive(main_pid):
                os._exit(0)  # nothing of the worker's is worth finishing: its results have nobody to go to

    threading.Thread(target=watch, name="exit-with-main", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, and someone else's: the pid was reused
        return False
    return True
