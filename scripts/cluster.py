#!/usr/bin/env python3
"""`make run-cluster`: govhall scaled out on one machine, every part on a loopback port of its own.

    PostgreSQL (its own data directory under var/cluster/pg, port 55432)
    Redis (cache, sessions and the Huey queue; no persistence, port 56379)
    two web processes (gunicorn, ports 58001 and 58002) behind nginx (port 58000)
    two task consumers (Huey on Redis; the first also schedules the periodic tasks)
    the payment sandbox (port 58009)

Uploaded files, collected static files, the secret key and the payment keys live in one shared
directory (var/cluster/shared), which on several hosts would be an NFS or CephFS mount. A web
process or task consumer that dies is started again, as systemd's Restart=always would. Ctrl-C
(or SIGTERM) stops everything, PostgreSQL last. The machine's own PostgreSQL and Redis (5432,
6379) are never touched.

The drill (scripts/drill.py) and the load test (scripts/load.py) drive the same class.
"""

# ruff: noqa: S603, S607 — commands are built from fixed paths of this project, never from input
from __future__ import annotations

import argparse
import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
# The virtualenv of the interpreter running this script (make uses .venv/bin/python).
VENV = Path(sys.executable).parent
PY = str(VENV / "python")


@dataclass
class Ports:
    nginx: int = int(os.environ.get("CLUSTER_PORT", "58000"))
    web: tuple[int, ...] = (58001, 58002)
    paysandbox: int = 58009
    postgres: int = int(os.environ.get("CLUSTER_PG_PORT", "55432"))
    redis: int = int(os.environ.get("CLUSTER_REDIS_PORT", "56379"))


@dataclass
class Child:
    name: str
    argv: list[str]
    restart: bool
    stop_signal: int = signal.SIGTERM
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0


def log(message: str) -> None:
    print(f"[cluster {time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)


# Debian packages of the parts the cluster runs itself.
PACKAGES = {"nginx": "nginx-light", "redis-server": "redis-server", "initdb": "postgresql"}


def ensure_tools() -> None:
    """Install nginx, Redis and PostgreSQL from Debian when missing (as root), or say how to."""

    def present(tool: str) -> bool:
        if tool == "initdb":
            return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or shutil.which("initdb") is not None
        return shutil.which(tool) is not None or Path(f"/usr/sbin/{tool}").exists()

    missing = [package for tool, package in PACKAGES.items() if not present(tool)]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        sys.exit(f"cluster: missing {', '.join(missing)}; install them (apt-get install {' '.join(missing)})")
    log(f"installing {', '.join(missing)} from Debian")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    which = shutil.which(name)
    if which is None:
        sys.exit(f"cluster: {name} not found; apt-get install postgresql")
    return which


@dataclass
class Cluster:
    root: Path = field(
        default_factory=lambda: Path(os.environ.get("CLUSTER_DIR", PROJECT / "var" / "cluster"))
    )
    ports: Ports = field(default_factory=Ports)
    web_workers: int = int(os.environ.get("CLUSTER_WEB_WORKERS", "2"))
    web_threads: int = int(os.environ.get("CLUSTER_WEB_THREADS", "4"))
    children: dict[str, Child] = field(default_factory=dict)
    stopping: bool = False
    # Settings added by the drill (the SMS gateway that counts sends, shorter delivery leases).
    extra_env: dict[str, str] = field(default_factory=dict)

    # --- paths and environment ---------------------------------------------------------------

    @property
    def shared(self) -> Path:
        return self.root / "shared"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def pgdata(self) -> Path:
        return self.root / "pg"

    @property
    def mail_dir(self) -> Path:
        return self.shared / "mail"

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.ports.postgres}/govhall"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports.redis}/0"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.nginx}"

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "DEBUG": "0",
            "GOVHALL_DEMO": "1",
            "GOVHALL_VAR": str(self.shared),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "HUEY_NAME": "govhall-cluster",
            "SECRET_KEY_FILE": str(self.shared / "secret_key"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on loopback: a real deployment terminates TLS at the balancer instead.
            "SECURE_COOKIES": "0",
            "GOVHALL_PAY_GATEWAY_URL": f"http://127.0.0.1:{self.ports.paysandbox}/gateway.do",
            # Outgoing mail lands in files, one per message, so that the drill can count sends.
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "PYTHONPATH": str(PROJECT / "src"),
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        }
        env.update(self.extra_env)
        env.pop("GOVHALL_TESTING", None)
        env.pop("HUEY_IMMEDIATE", None)
        return env

    def manage(
        self, *args: str, check: bool = True, capture: bool = False
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PY, str(PROJECT / "manage.py"), *args],
            env=self.env(),
            cwd=PROJECT,
            check=check,
            text=True,
            capture_output=capture,
        )

    # --- PostgreSQL (the cluster's own server) -------------------------------------------------

    def _as_postgres(self, argv: list[str]) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *argv]
        return argv

    def _pg_owner(self) -> tuple[int, int]:
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            return entry.pw_uid, entry.pw_gid
        return os.getuid(), os.getgid()

    def init_postgres(self) -> None:
        if (self.pgdata / "PG_VERSION").exists():
            return
        log(f"initdb {self.pgdata}")
        self.pgdata.mkdir(parents=True, exist_ok=True)
        os.chown(self.pgdata, *self._pg_owner())
        subprocess.run(
            self._as_postgres(
                [
                    pg_bin("initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-instructions",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with (self.pgdata / "postgresql.auto.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.ports.postgres}\n"
                "unix_socket_directories = ''\nmax_connections = 200\nshared_buffers = '256MB'\n"
            )

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        logfile = self.logs / "postgres.log"
        if os.geteuid() == 0:
            logfile.touch()
            os.chown(logfile, *self._pg_owner())
        return subprocess.run(
            self._as_postgres(
                [pg_bin("pg_ctl"), "-D", str(self.pgdata), "-l", str(logfile), "-w", "-t", "60", *args]
            ),
            check=check,
            stdout=subprocess.DEVNULL,
        )

    def postgres_running(self) -> bool:
        return self.pg_ctl("status", check=False).returncode == 0

    def start_postgres(self) -> None:
        if not self.postgres_running():
            self.pg_ctl("start")
        log(f"PostgreSQL on 127.0.0.1:{self.ports.postgres} ({self.pgdata})")

    def restart_postgres(self) -> float:
        """Fast restart (connections are cut); seconds it took."""
        started = time.monotonic()
        self.pg_ctl("restart", "-m", "fast")
        return time.monotonic() - started

    def stop_postgres(self) -> None:
        if self.postgres_running():
            self.pg_ctl("stop", "-m", "fast", check=False)

    def create_database(self) -> None:
        exists = subprocess.run(
            [
                pg_bin("psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.ports.postgres),
                "-U",
                "postgres",
                "-Atc",
                "SELECT 1 FROM pg_database WHERE datname = 'govhall'",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if exists != "1":
            subprocess.run(
                [
                    pg_bin("createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.ports.postgres),
                    "-U",
                    "postgres",
                    "govhall",
                ],
                check=True,
            )

    # --- children --------------------------------------------------------------------------------

    def define_children(self) -> None:
        gunicorn = str(VENV / "gunicorn")
        for index, port in enumerate(self.ports.web, start=1):
            self.children[f"web-{index}"] = Child(
                f"web-{index}",
                [
                    gunicorn,
                    "govhall.wsgi",
                    "--pythonpath",
                    str(PROJECT / "src"),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(self.web_workers),
                    "--threads",
                    str(self.web_threads),
                    "--graceful-timeout",
                    "10",
                    # Longer than nginx keeps idle upstream connections (keepalive_timeout 60s): a
                    # connection gunicorn closes while nginx reuses it would fail a POST with 502.
                    "--keep-alive",
                    "75",
                    "--no-control-socket",
                    "--access-logfile",
                    str(self.logs / f"web-{index}.access.log"),
                ],
                restart=True,
            )
        for index in (1, 2):
            argv = [PY, str(PROJECT / "manage.py"), "run_huey"]
            if index > 1:
                # One scheduler of periodic tasks is enough; the other consumer only works the queue.
                argv.append("--no-periodic")
            self.children[f"worker-{index}"] = Child(
                f"worker-{index}", argv, restart=True, stop_signal=signal.SIGINT
            )
        self.children["paysandbox"] = Child(
            "paysandbox",
            [
                PY,
                "-m",
                "govhall.paysandbox",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.ports.paysandbox),
                "--var",
                str(self.shared / "paysandbox"),
                "--app-public-key",
                str(self.shared / "payments" / "app_public.pem"),
            ],
            restart=True,
        )
        self.children["nginx"] = Child(
            "nginx",
            [self.nginx_binary(), "-c", str(self.root / "nginx.conf"), "-p", str(self.root / "nginx")],
            restart=False,
            stop_signal=signal.SIGQUIT,
        )
        self.children["redis"] = Child(
            "redis",
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.ports.redis),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
                "--logfile",
                str(self.logs / "redis.log"),
            ],
            restart=False,
        )

    def nginx_binary(self) -> str:
        found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        if found is None:
            sys.exit("cluster: nginx not found; apt-get install nginx-light (or nginx)")
        return found

    def start_child(self, name: str) -> None:
        child = self.children[name]
        out = (self.logs / f"{name}.log").open("ab")
        child.proc = subprocess.Popen(
            child.argv,
            env=self.env(),
            cwd=PROJECT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        child.starts += 1

    def pid(self, name: str) -> int:
        proc = self.children[name].proc
        assert proc is not None
        return proc.pid

    def kill(self, name: str) -> int:
        """kill -9 the process (for gunicorn, its master and workers: the whole process group)."""
        pid = self.pid(name)
        os.killpg(pid, signal.SIGKILL)
        return pid

    def alive(self, name: str) -> bool:
        proc = self.children[name].proc
        return proc is not None and proc.poll() is None

    def supervise_once(self) -> None:
        """Start again a web process or consumer that died; a vital part dying stops the cluster."""
        for name, child in self.children.items():
            if child.proc is None or child.proc.poll() is None:
                continue
            code = child.proc.returncode
            if self.stopping:
                continue
            if child.restart:
                log(
                    f"{name} exited ({'signal ' + str(-code) if code < 0 else 'status ' + str(code)}); starting it again"
                )
                self.start_child(name)
            else:
                raise RuntimeError(f"{name} exited with status {code}")

    def wait_http(self, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")

    def wait_web(self, name: str, timeout: float = 60) -> None:
        index = int(name.split("-")[1])
        self.wait_http(f"http://127.0.0.1:{self.ports.web[index - 1]}/healthz", timeout)

    def write_nginx_conf(self) -> None:
        (self.root / "nginx" / "tmp").mkdir(parents=True, exist_ok=True)
        upstreams = "\n".join(
            f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=3s;" for port in self.ports.web
        )
        user = "user root root;\n" if os.geteuid() == 0 else ""
        tmp = self.root / "nginx" / "tmp"
        conf = f"""# Generated by scripts/cluster.py; see deploy/nginx/govhall.conf for a production site.
{user}worker_processes 1;
daemon off;
pid {self.root / "nginx" / "nginx.pid"};
error_log {self.logs / "nginx-error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    sendfile on;
    upstream govhall {{
{upstreams}
        keepalive 32;
        keepalive_timeout 60s;
    }}
    server {{
        listen 127.0.0.1:{self.ports.nginx};
        server_name 127.0.0.1 localhost;
        client_max_body_size 25m;
        location /static/ {{
            alias {self.shared / "static"}/;
            expires 7d;
        }}
        location / {{
            proxy_pass http://govhall;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
            # A process that refuses the connection is skipped; a request already sent is not
            # replayed on the other one (POST is not idempotent: the client retries with its key).
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""
        (self.root / "nginx.conf").write_text(conf, encoding="utf-8")

    # --- life cycle --------------------------------------------------------------------------------

    def prepare(self) -> None:
        ensure_tools()
        for directory in (self.root, self.shared, self.logs, self.mail_dir):
            directory.mkdir(parents=True, exist_ok=True)
        secret = self.shared / "secret_key"
        if not secret.exists():
            secret.write_text(secrets.token_urlsafe(50), encoding="utf-8")
            secret.chmod(0o600)
        self.define_children()
        self.write_nginx_conf()

    def start(self, *, seed: bool = True) -> None:
        self.prepare()
        self.init_postgres()
        self.start_postgres()
        self.create_database()
        self.start_child("redis")
        log("migrate, collectstatic" + (", seed_demo" if seed else ""))
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("collectstatic", "--noinput", "-v", "0")
        if seed:
            seeded = self.manage("seed_demo", check=False)
            if seeded.returncode != 0:
                # An app's demo data failing does not stop a cluster whose demo city exists already;
                # the load test's preparation says so when it does not.
                log(f"warning: seed_demo failed (status {seeded.returncode}); going on with the data present")
        self.manage("payments_keys", "--quiet-if-present")
        for name in ("web-1", "web-2", "worker-1", "worker-2", "paysandbox", "nginx"):
            self.start_child(name)
        for name in ("web-1", "web-2"):
            self.wait_web(name)
        self.wait_http(f"{self.url}/healthz")
        log(f"ready: {self.url}/ (nginx → web 127.0.0.1:{self.ports.web[0]} and :{self.ports.web[1]})")

    def stop(self) -> None:
        self.stopping = True
        order = ["nginx", "web-1", "web-2", "paysandbox", "worker-1", "worker-2"]
        for name in order:
            child = self.children.get(name)
            if child and child.proc and child.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.proc.pid, child.stop_signal)
        deadline = time.monotonic() + 15
        for name in order:
            child = self.children.get(name)
            if child and child.proc:
                try:
                    child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(child.proc.pid, signal.SIGKILL)
                    child.proc.wait()
        redis = self.children.get("redis")
        if redis and redis.proc and redis.proc.poll() is None:
            redis.proc.terminate()
            redis.proc.wait(timeout=10)
        self.stop_postgres()
        log("stopped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-seed", action="store_true", help="skip seed_demo")
    args = parser.parse_args(argv)
    cluster = Cluster()
    stop_now = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stop_now
        stop_now = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    status = 0
    try:
        cluster.start(seed=not args.no_seed)
        print(
            f"""
  govhall cluster is running:  {cluster.url}/   (nginx, round robin over two web processes)
  web processes:               http://127.0.0.1:{cluster.ports.web[0]}/  http://127.0.0.1:{cluster.ports.web[1]}/
  task consumers:              worker-1 (with the periodic scheduler), worker-2
  PostgreSQL:                  {cluster.database_url}
  Redis:                       {cluster.redis_url}
  shared files:                {cluster.shared}
  logs:                        {cluster.logs}
  demo accounts:               as for make run (password {os.environ.get("GOVHALL_DEMO_PASSWORD", "govhall-demo-2026")})

  Press Ctrl-C to stop.
""",
            flush=True,
        )
        while not stop_now:
            cluster.supervise_once()
            time.sleep(0.5)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        log(f"error: {exc}")
        status = 1
    finally:
        log("stopping ...")
        cluster.stop()
    return status


if __name__ == "__main__":
    sys.exit(main())
