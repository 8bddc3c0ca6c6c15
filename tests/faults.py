"""Faults injected at a known step, for the scale-out tests."""

import os
import signal

from distributed import WorkerPlugin


class DieOnFirstStart(WorkerPlugin):
    """Kills its worker's process the first time, on any worker, that a task whose key
    starts with ``prefix`` starts executing; ``marker`` (a file every worker sees) records
    that it happened and which task it was, so the task's second run goes through."""

    def __init__(self, prefix: str, marker: str):
        self.prefix, self.marker = prefix, marker

    def transition(self, key, start, finish, **kwargs):
        if finish != "executing" or not str(key).startswith(self.prefix):
            return
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return                  # the fault has happened: this run goes through
        os.write(fd, str(key).encode())
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)
