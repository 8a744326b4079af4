"""nginx (the Debian package) run under the environment's deploy root: its configuration,
pid, logs and temporary paths all live there. The live slot is the one upstream in
``upstream.conf``; a switch rewrites that file and reloads nginx, whose old workers finish
their requests while the new ones take the next (no connection dropped)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess  # nosec B404: nginx is a separate program; no shell, fixed arguments
import time
from pathlib import Path

__all__ = ["Nginx", "NginxError"]

TEMPLATE = """\
worker_processes 1;
pid {root}/nginx/nginx.pid;
error_log {root}/nginx/logs/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {root}/nginx/logs/access.log;
    client_body_temp_path {root}/nginx/temp/body;
    proxy_temp_path {root}/nginx/temp/proxy;
    fastcgi_temp_path {root}/nginx/temp/fastcgi;
    uwsgi_temp_path {root}/nginx/temp/uwsgi;
    scgi_temp_path {root}/nginx/temp/scgi;
    client_max_body_size 25m;
    include {root}/nginx/upstream.conf;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://ccgpt_live;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_buffering off;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


class NginxError(RuntimeError):
    pass


class Nginx:
    def __init__(self, root: Path, *, port: int, binary: str | None = None) -> None:
        self.root = root
        self.port = port
        self.binary = binary or shutil.which("nginx") or "/usr/sbin/nginx"
        self.directory = root / "nginx"
        self.conf = self.directory / "nginx.conf"
        self.upstream = self.directory / "upstream.conf"
        self.pid_file = self.directory / "nginx.pid"

    def _run(self, *arguments: str) -> None:
        command = [
            self.binary,
            *("-p", str(self.directory), "-c", str(self.conf)),
            *("-e", str(self.directory / "logs" / "error.log")),
            *arguments,
        ]
        done = subprocess.run(  # noqa: S603  # nosec B603: the nginx binary, fixed arguments
            command, capture_output=True, text=True, timeout=30, check=False
        )
        if done.returncode != 0:
            raise NginxError(f"nginx {' '.join(arguments)}: {done.stderr.strip()}")

    def write_upstream(self, port: int) -> None:
        text = f"upstream ccgpt_live {{\n    server 127.0.0.1:{port};\n    keepalive 16;\n}}\n"
        scratch = self.upstream.with_suffix(".tmp")
        scratch.write_text(text)
        scratch.replace(self.upstream)

    def live_port(self) -> int | None:
        if not self.upstream.exists():
            return None
        for line in self.upstream.read_text().splitlines():
            line = line.strip()
            if line.startswith("server 127.0.0.1:"):
                return int(line.removeprefix("server 127.0.0.1:").rstrip(";"))
        return None

    def master_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def start(self, live_port: int) -> None:
        """Write the configuration and start nginx (as a daemon: it outlives the deployer)."""
        for name in ("logs", "temp"):
            (self.directory / name).mkdir(parents=True, exist_ok=True)
        self.conf.write_text(TEMPLATE.format(root=self.root, port=self.port))
        self.write_upstream(live_port)
        self._run("-t", "-q")
        self._run()
        deadline = time.monotonic() + 10
        while self.master_pid() is None:
            if time.monotonic() > deadline:
                raise NginxError("nginx did not start")
            time.sleep(0.05)

    def switch(self, live_port: int) -> None:
        """Point the upstream at ``live_port`` and reload gracefully."""
        previous = self.upstream.read_text() if self.upstream.exists() else None
        self.write_upstream(live_port)
        try:
            self._run("-t", "-q")
            self._run("-s", "reload")
        except NginxError:
            if previous is not None:
                self.upstream.write_text(previous)
            raise

    def old_workers(self) -> int:
        """Workers of an earlier configuration still finishing their requests."""
        master = self.master_pid()
        if master is None:
            return 0
        count = 0
        children = Path(f"/proc/{master}/task/{master}/children")
        for pid in children.read_text().split() if children.exists() else []:
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"shutting down" in title:
                count += 1
        return count

    def wait_drained(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.old_workers():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def stop(self) -> None:
        pid = self.master_pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + 15
        while self.master_pid() is not None and time.monotonic() < deadline:
            time.sleep(0.1)
