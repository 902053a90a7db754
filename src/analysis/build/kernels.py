"""Fast kernel start for the build: chapters run in kernels forked from a pre-loaded server.

A fresh ``python -m ipykernel_launcher`` spends about 2 s of CPU importing ipykernel,
pandas, matplotlib and this package before the first cell runs; with 28 chapter runs
that is half of a cold build. Here each chapter still gets its **own, fresh kernel
process** (nothing is shared between chapters), but the process is forked from a
:mod:`multiprocessing` *forkserver* that imported those modules once. The forkserver is
a process started for this purpose that only imports: it has no event loop, no ZeroMQ
context and no open kernel sockets, which is what makes forking it safe (thread pools
of numerical libraries are re-created after a fork by their own fork handlers).

Used through papermill/nbclient as ``kernel_manager_class``; everything else
(connection file, ports, messaging, interrupt, shutdown) is standard jupyter_client.
Set ``SOZIALPLANUNG_KERNEL=plain`` to start kernels the ordinary way.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from typing import Any

from jupyter_client import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

#: modules the kernels need anyway; imported once in the forkserver
PRELOAD = ["analysis.build._kernel_preload"]

KERNEL_NAME = "sozialplanung-kernel"  # process name of forked kernels

_context: multiprocessing.context.ForkServerContext | None = None


def enabled() -> bool:
    """Whether chapters use pre-loaded kernels (default on POSIX)."""
    return os.environ.get("SOZIALPLANUNG_KERNEL", "preloaded") != "plain" and \
        "forkserver" in multiprocessing.get_all_start_methods()


def _server() -> multiprocessing.context.ForkServerContext:
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    return _context


def _kernel_main(argv: list[str], env: dict[str, str], cwd: str, owner: int) -> None:
    """Child side: become an ordinary IPython kernel with the given connection file."""
    os.setsid()  # own process group, as jupyter_client's launcher does
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    threading.Thread(target=_exit_with, args=(owner,), daemon=True,
                     name="sozialplanung-owner-watch").start()
    from ipykernel.kernelapp import IPKernelApp

    # a parent handle also keeps ipykernel from printing its console banner
    app = IPKernelApp.instance()
    app.initialize([*argv, f"--IPKernelApp.parent_handle={os.getppid()}"])
    app.start()


def _exit_with(owner: int) -> None:
    """End the kernel when the process that started it (the build worker) is gone.

    ipykernel watches its parent, but a forked kernel's parent is the forkserver, and
    the forkserver lives as long as any of its children: without this a kernel whose
    worker was killed would never exit."""
    while True:
        time.sleep(1)
        try:
            os.kill(owner, 0)
        except (ProcessLookupError, PermissionError):  # gone (or pid reused by another user)
            os._exit(1)


def stop_orphans() -> None:
    """Kill kernels this process started that are still running.

    Normally papermill shuts every kernel down. When a run is interrupted (Ctrl-C,
    SIGTERM) that shutdown may not happen, and the process would wait for its live
    kernel children at exit (multiprocessing joins them) for ever.
    """
    for child in multiprocessing.active_children():
        if child.name == KERNEL_NAME:
            child.kill()
            child.join(5)


class _ForkedProcess:
    """The part of :class:`subprocess.Popen` that :class:`LocalProvisioner` uses."""

    stdin = stdout = stderr = None

    def __init__(self, process: multiprocessing.process.BaseProcess):
        self._process = process
        self.pid = process.pid

    def poll(self) -> int | None:
        return None if self._process.is_alive() else self._process.exitcode

    def wait(self, timeout: float | None = None) -> int | None:
        self._process.join(timeout)
        return self._process.exitcode

    def send_signal(self, signum: int) -> None:
        if self._process.exitcode is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class PreloadedProvisioner(LocalProvisioner):
    """Launch the kernel by forking the pre-loaded server instead of ``Popen``."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> dict:
        argv = cmd[cmd.index("-f"):] if "-f" in cmd else ["-f", self.parent.connection_file]
        env = dict(kwargs.get("env") or os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        process = _server().Process(target=_kernel_main, args=(argv, env, cwd, os.getpid()),
                                    name=KERNEL_NAME)
        process.start()
        self.process = _ForkedProcess(process)
        self.pid = process.pid
        self.pgid = process.pid  # the child calls setsid() first
        self.cwd = cwd
        return self.connection_info


class PreloadedKernelManager(AsyncKernelManager):
    """An :class:`AsyncKernelManager` whose kernels come from :class:`PreloadedProvisioner`.

    Kernel and build talk over Unix sockets in a private (0700) temporary folder, not
    over TCP on localhost: the messages carry unsuppressed counts, and no other local
    user should be able to listen; it also avoids port clashes between parallel starts.
    """

    _socket_dir: str | None = None

    async def _async_pre_start_kernel(self, **kw: Any):
        if self.provisioner is None:
            self.provisioner = PreloadedProvisioner(kernel_id=self.kernel_id,
                                                    kernel_spec=self.kernel_spec, parent=self)
        if self._socket_dir is None:
            self._socket_dir = tempfile.mkdtemp(prefix="sozialplanung-")
            self.transport = "ipc"
            self.ip = os.path.join(self._socket_dir, "k")
        return await super()._async_pre_start_kernel(**kw)

    async def cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._socket_dir:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None
