"""Running the toolkit's tasks on a Dask distributed cluster.

``--scheduler ADDRESS`` (or the ``AFLFP_BENCH_SCHEDULER`` variable) names where:
``tcp://host:8786`` (any Dask scheduler address) connects to a running scheduler and its
workers; ``local:N`` starts a ``LocalCluster`` of N single-threaded worker processes on
this machine for the run. Without it, the local process pool (``--workers``) runs as
before. ``dask[distributed]`` is the ``[dask]`` extra, imported only here and only when
a scheduler is asked for.

The client is the only writer: tasks return arrays and model bytes, never write the
run's files. Every task is a pure function of its arguments (data, boxes, seeds), so a
task lost with its worker is run again elsewhere (the scheduler's own recovery, and
:data:`RETRIES` for a task that fails) and gives the same bytes.
"""

from __future__ import annotations

import logging
import re
import sys
import warnings
from collections import deque
from concurrent.futures import CancelledError
from contextlib import contextmanager

from .._version import __version__
from ..errors import BenchError, MissingExtra
from ..reading.urls import is_file

ENV = "AFLFP_BENCH_SCHEDULER"
#: A failed task is tried again this many times (on any worker) before the run stops.
RETRIES = 2
_LOCAL = re.compile(r"local:(\d+)")
_REMOTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+:\d{1,5}")
#: The most worker processes ``local:N`` starts (as for ``--workers``).
MAX_LOCAL = 64
#: How long a scheduler's address has to accept a connection and send Dask's handshake.
HANDSHAKE_SECONDS = 10.0
#: How long connecting the client may take in all, once the handshake was seen.
CLIENT_SECONDS = 60.0
#: A Dask handshake message is a few hundred bytes; its first 8 bytes give its length.
_HANDSHAKE_MAX = 1 << 20


def check_address(text: str) -> str:
    """The scheduler address, checked: ``local:N`` (1 <= N <= 64) or
    ``SCHEME://HOST:PORT``."""
    text = str(text).strip()
    local = _LOCAL.fullmatch(text)
    if local and int(local.group(1)) > MAX_LOCAL:
        raise BenchError(f"local:N starts at most {MAX_LOCAL} worker processes, got {text!r}")
    if (local and int(local.group(1)) >= 1) or (not local and _REMOTE.fullmatch(text)):
        return text
    raise BenchError(f"the scheduler must be tcp://HOST:PORT (a running Dask scheduler) or "
                     f"local:N (N worker processes here), got {text!r}")


def _distributed():
    try:
        import distributed
    except ImportError:
        raise MissingExtra("a Dask scheduler needs the [dask] extra: pip install "
                           "'aflfp-bench[dask]'") from None
    return distributed


def worker_name() -> str | None:
    """The address of the Dask worker running this code; None outside a worker."""
    if "distributed" not in sys.modules:
        return None
    from distributed import get_worker

    try:
        return get_worker().address
    except ValueError:
        return None


def visible(path) -> None:
    """On a Dask worker, fail the task naming the worker when it cannot see ``path``
    (the data must sit at the same path on every worker: a shared filesystem). Outside
    a worker this does nothing: the reader's own error says what is wrong."""
    worker = worker_name()
    if worker is not None and not is_file(path):
        raise BenchError(f"worker {worker} cannot see {path}: every worker must read the "
                         "data at the path the client gives (a shared filesystem, or a URL "
                         "every worker can open)")


def _toolkit() -> str:
    return __version__


class Cluster:
    """A connected Dask client (and the local cluster it started, if any)."""

    def __init__(self, client, address: str, local=None):
        self.client, self.address, self._local = client, address, local

    @property
    def local(self) -> bool:
        return self._local is not None

    @property
    def n_workers(self) -> int:
        return len(self.client.nthreads())

    def _workers(self) -> list[dict]:
        """The scheduler's record of every worker (some versions list 5 by default)."""
        try:
            info = self.client.scheduler_info(n_workers=-1)
        except TypeError:    # versions without the argument list them all
            info = self.client.scheduler_info()
        return list(info["workers"].values())

    def result(self, future):
        """A task's result; its own error re-raised, the cluster's failures as one line."""
        from distributed import KilledWorker

        try:
            return future.result()
        except KilledWorker:
            raise BenchError(f"workers of {self.address} kept dying while they ran a task of "
                             "this run, and Dask gave up on it (KilledWorker); the workers' "
                             "logs say why (often memory); run again to resume") from None
        except CancelledError as exc:
            raise BenchError(f"the cluster at {self.address} cancelled a task of this run "
                             f"({type(exc).__name__}: the scheduler or the client lost the "
                             "connection?); run again to resume") from None

    def submit(self, func, *args, resources=None):
        """One task; its result is a future (``.result()`` re-raises a task's error)."""
        return self.client.submit(func, *args, pure=False, retries=RETRIES,
                                  resources=resources)

    def share(self, value):
        """Send a value (e.g. a model's bytes) to the workers once; a future of it."""
        return None if value is None else self.client.scatter(value, broadcast=True)

    def ordered(self, func, argsets, *, depth: int | None = None, resources=None):
        """``func(*args)`` of every argument tuple, as tasks, the results yielded in the
        order given (the client writes them in that order); at most ``depth`` tasks in
        flight (all of them by default)."""
        pending: deque = deque()
        try:
            for args in argsets:
                pending.append(self.submit(func, *args, resources=resources))
                if depth is not None and len(pending) >= depth:
                    yield self.result(pending.popleft())
            while pending:
                yield self.result(pending.popleft())
        finally:
            self.cancel(pending)   # a failed or abandoned run leaves nothing running

    def cancel(self, futures) -> None:
        """Cancel the tasks of ``futures`` (None items skipped) not finished yet."""
        futures = [f for f in futures if f is not None]
        if futures:
            self.client.cancel(futures)

    def gpu_resources(self, device) -> dict | None:
        """The worker resources a training task asks for: one GPU with a CUDA device on
        a remote cluster (a worker started with ``--resources GPU=1``); none here or on
        the CPU. A cluster without such a worker is refused rather than waited on."""
        if self.local or not str(device or "").startswith("cuda"):
            return None
        if not any(w.get("resources", {}).get("GPU", 0) >= 1 for w in self._workers()):
            raise BenchError(f"--device {device}: no worker of {self.address} offers a GPU; "
                             "start GPU workers with dask-worker --resources GPU=1")
        return {"GPU": 1}

    def check_workers(self) -> None:
        """Every worker runs this toolkit's version (results would differ otherwise)."""
        try:
            versions = self.client.run(_toolkit)
        except Exception as exc:  # a worker that cannot import the toolkit at all
            raise BenchError(f"a worker of {self.address} cannot run aflfp-bench "
                             f"({type(exc).__name__}: {str(exc)[:120]}); install the same "
                             "aflfp-bench on every worker") from None
        if not versions:
            raise BenchError(f"the scheduler at {self.address} has no workers")
        for worker, version in sorted(versions.items()):
            if version != __version__:
                raise BenchError(f"worker {worker} runs aflfp-bench {version}, this client "
                                 f"{__version__}: install the same version everywhere")


def probe(address: str, seconds: float = HANDSHAKE_SECONDS) -> None:
    """Check, within ``seconds`` in all, that a Dask scheduler answers at the ``tcp://``
    ``address``: it sends its handshake as soon as it accepts (a length, then a message
    of a few hundred bytes that unpacks to a mapping). Anything else (nothing: a listener
    that never answers, an HTTP server waiting for a request; a length and then silence;
    bytes that are no Dask message) is one BenchError saying what was found; Dask itself
    would wait for ever or fail with a traceback."""
    import socket
    import struct
    import time

    from distributed.comm.addressing import parse_host_port

    host, port = parse_host_port(address.removeprefix("tcp://"))
    deadline = time.monotonic() + seconds
    try:
        conn = socket.create_connection((host, port), timeout=seconds)
    except OSError as exc:
        raise BenchError(f"cannot reach the Dask scheduler at {address} "
                         f"({exc.strerror or exc})") from None
    try:
        head = _receive(conn, 8, deadline, address)
        (length,) = struct.unpack("<Q", head) if len(head) == 8 else (0,)
        if len(head) == 8 and 0 < length <= _HANDSHAKE_MAX:
            body = _receive(conn, length, deadline, address)
        else:
            body = b""
    finally:
        conn.close()
    if len(head) < 8 or (0 < length <= _HANDSHAKE_MAX and len(body) < length):
        what = ("closed the connection" if time.monotonic() < deadline
                else f"sent nothing more for {seconds:g} s")
        raise BenchError(f"no Dask scheduler at {address}: it accepted a connection but "
                         f"{what} before Dask's handshake was complete (another service?)")
    if not (0 < length <= _HANDSHAKE_MAX and _is_handshake(body)):
        shown = head.decode("ascii", "replace")
        kind = "an HTTP server" if head.startswith(b"HTTP/") else "a service"
        raise BenchError(f"no Dask scheduler at {address}: {kind} answered ({shown!r}...), "
                         "not Dask's handshake")


def _within(make, seconds: float, address: str):
    """``make()`` run with a hard time limit (a thread: Dask's own timeouts do not cover
    every step); any failure of it is one BenchError naming ``address``."""
    import threading

    done: dict = {}

    def run():
        try:
            done["value"] = make()
        except BaseException as exc:   # noqa: BLE001  (reported below, on one line)
            done["error"] = exc

    worker = threading.Thread(target=run, daemon=True, name="aflfp-bench-connect")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise BenchError(f"the Dask scheduler at {address} did not complete the connection "
                         f"within {seconds:g} s")
    if "error" in done:
        exc = done["error"]
        raise BenchError(f"cannot reach the Dask scheduler at {address} "
                         f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]})")
    return done["value"]


def _receive(conn, n: int, deadline: float, address: str) -> bytes:
    """Up to ``n`` bytes from ``conn`` before ``deadline`` (fewer when it closes or the
    time runs out)."""
    import time

    got = b""
    while len(got) < n and (left := deadline - time.monotonic()) > 0:
        conn.settimeout(left)
        try:
            chunk = conn.recv(min(n - len(got), 1 << 16))
        except TimeoutError:
            break
        except OSError as exc:
            raise BenchError(f"the connection to {address} failed before Dask's handshake "
                             f"({exc.strerror or exc})") from None
        if not chunk:
            break
        got += chunk
    return got


def _is_handshake(body: bytes) -> bool:
    """Whether ``body`` unpacks as Dask's handshake: frames holding a mapping."""
    from distributed.protocol.core import loads
    from distributed.protocol.utils import unpack_frames

    try:
        frames, buffers = unpack_frames(body, partial=True)
        return not buffers and isinstance(loads(frames, deserialize=False), dict)
    except Exception:   # noqa: BLE001  (anything that does not unpack is not Dask)
        return False


@contextmanager
def connect(address: str):
    """A :class:`Cluster` for ``address`` (see :func:`check_address`), closed on exit."""
    address = check_address(address)
    distributed = _distributed()
    local = None
    try:
        if address.startswith("local:"):
            # Each worker process gets one BLAS thread (Dask's nanny sets OMP_NUM_THREADS
            # and its kin to 1 unless the client's environment sets them), and glibc's
            # own memory trimming, as the local pool's processes have (Dask's nanny sets
            # MALLOC_TRIM_THRESHOLD_, which slows SDM's training by about 5% here).
            import dask

            with warnings.catch_warnings(), dask.config.set(
                    {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
                warnings.filterwarnings("ignore", "Port .* is already in use")  # another used
                local = distributed.LocalCluster(
                    n_workers=int(address.split(":")[1]), threads_per_worker=1,
                    processes=True, dashboard_address=None, worker_dashboard_address=None,
                    silence_logs=logging.ERROR)
            client = distributed.Client(local)
        else:
            if address.startswith("tcp://"):
                probe(address)
            client = _within(lambda: distributed.Client(address, timeout="20s"),
                             CLIENT_SECONDS, address)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        # ValueError: a scheme Dask does not know; TypeError: tls:// without TLS settings
        if local is not None:
            local.close()
        raise BenchError(f"cannot reach the Dask scheduler at {address} "
                         f"({' '.join(str(exc).split())})") from None
    cluster = Cluster(client, address, local)
    try:
        if local is None:
            try:
                client.wait_for_workers(1, timeout=60)
            except TimeoutError:
                raise BenchError(f"the scheduler at {address} has had no worker for 60 s") from None
        cluster.check_workers()
        yield cluster
    finally:
        client.close()
        if local is not None:
            local.close()


@contextmanager
def maybe_connect(address: str | None):
    """:func:`connect` when an address is given, else None (the local pool)."""
    if not address:
        yield None
        return
    with connect(address) as cluster:
        yield cluster
