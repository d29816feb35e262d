"""Run one Asterisk instance inside the cached chroot: up, down, status, CLI."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path

from sandbox.provision import (
    Log,
    SandboxError,
    default_root,
    is_mounted,
    is_provisioned,
    provision,
    unmount,
)
from sandbox.render import (
    SECRETS_FILE,
    Ports,
    RenderConfig,
    load_or_create_secrets,
    render_all,
    templates_dir,
    write_hold_music,
)

BOOT_TIMEOUT_S = 60.0
SANDBOX_AGENT_QUALIFY_S = 0
STOP_TIMEOUT_S = 20.0
CHROOT_HOSTS = (
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "# Asterisk resolves this name to find its source address; keep the probe on loopback.\n"
    "127.0.0.1\tA.ROOT-SERVERS.NET\n"
)
VAR_DIRS = ("/var/lib/asterisk", "/var/log/asterisk", "/var/spool/asterisk", "/var/cache/asterisk")
LOADED_RE = re.compile(r"^(\S+\.so)\s.*(?<!Not )\bRunning\b", re.MULTILINE)


ASTERISK_DATA_DIR = "usr/share/asterisk"  # astdatadir of sip_configs/asterisk.conf.tmpl, inside the chroot


def sounds_dir(root: Path, subdir: str) -> Path:
    """Where the chroot's Asterisk finds ``sound:<subdir>/<id>`` (e.g. the IVR's prompts under ``hotline``).

    Asterisk searches ``sounds/<language>/…`` and then ``sounds/…`` itself, so a prompt is found whatever
    the channel's language. (Writing under ``sounds/en`` would go through Debian's absolute
    ``en -> /etc/alternatives/…`` symlink, which resolves outside the chroot when followed from the host.)
    """
    return root / ASTERISK_DATA_DIR / "sounds" / subdir


def _print(message: str) -> None:
    print(message, flush=True)


@dataclass(frozen=True)
class Status:
    """What ``hotline sandbox status`` shows."""

    running: bool
    pid: int | None
    version: str | None
    ports: Ports
    config_dir: str
    root: Path

    def line(self) -> str:
        state = f"running (pid {self.pid})" if self.running else "stopped"
        version = f" {self.version}" if self.version else ""
        p = self.ports
        return (
            f"asterisk sandbox {state}{version}: SIP udp/{p.sip} AMI tcp/{p.ami} HTTP/ARI tcp/{p.http} "
            f"RTP {p.rtp_start}-{p.rtp_end} config {self.config_dir} root {self.root}"
        )


class Sandbox:
    """A stock Asterisk 22 in a Debian sid chroot, configured from ``sip_configs/``.

    Several instances can share one chroot: each has its own config directory (its name is the
    instance name), run/log/astdb directories and ports.
    """

    def __init__(
        self,
        root: Path | None = None,
        config_dir: str = "/etc/asterisk/hotline",
        ports: Ports | None = None,
        secrets: dict[str, str] | None = None,
        config: RenderConfig | None = None,
        log: Log = _print,
    ) -> None:
        self.root = (root or default_root()).resolve()
        # SIPp agent phones answer Asterisk's OPTIONS too unreliably for qualify (a phone would go
        # "Unreachable" and the queue would stop ringing it): no qualify in the sandbox.
        base = config or RenderConfig(agent_qualify_s=SANDBOX_AGENT_QUALIFY_S)
        self.config = replace(base, config_dir=config_dir, ports=ports or base.ports)
        self._given_secrets = secrets
        self._secrets: dict[str, str] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self.log = log

    # ----------------------------------------------------------------------------------------- paths
    def host_path(self, chroot_path: str) -> Path:
        """Where a path inside the chroot lives on the host."""
        return self.root / chroot_path.lstrip("/")

    @property
    def ports(self) -> Ports:
        return self.config.ports

    @property
    def conf_file(self) -> str:
        return f"{self.config.config_dir}/asterisk.conf"

    @property
    def pid_file(self) -> Path:
        return self.host_path(f"/run/hotline-sandbox/{self.config.instance}.pid")

    @property
    def console_log(self) -> Path:
        return self.host_path(f"{self.config.log_dir}/console.log")

    @property
    def secrets(self) -> dict[str, str]:
        """AMI/ARI/agent secrets of this instance (created on first use, kept in secrets.env)."""
        if self._secrets is None:
            path = self.host_path(f"{self.config.config_dir}/{SECRETS_FILE}")
            self._secrets = load_or_create_secrets(path, self._given_secrets, self.config.secret_keys)
        return self._secrets

    @property
    def ami_credentials(self) -> tuple[str, str]:
        return self.config.ami_user, self.secrets["AMI_SECRET"]

    @property
    def ari_credentials(self) -> tuple[str, str]:
        return self.config.ari_user, self.secrets["ARI_PASSWORD"]

    def agent_password(self, extension: str) -> str:
        """The SIP password of agent phone ``extension`` (``1001``…)."""
        return self.secrets[f"AGENT{extension}_PASSWORD"]

    @property
    def ari_url(self) -> str:
        return f"http://{self.config.bind}:{self.ports.http}/ari"

    # ----------------------------------------------------------------------------------------- setup
    def provision(self) -> float:
        """Build the chroot if it is missing (cached); returns the seconds spent."""
        return provision(self.root, log=self.log)

    def _asterisk_ids(self) -> tuple[int, int]:
        uid = gid = -1
        for line in self.host_path("/etc/passwd").read_text(encoding="utf-8").splitlines():
            parts = line.split(":")
            if parts[0] == self.config.run_user:
                uid = int(parts[2])
        for line in self.host_path("/etc/group").read_text(encoding="utf-8").splitlines():
            parts = line.split(":")
            if parts[0] == self.config.run_group:
                gid = int(parts[2])
        if uid < 0 or gid < 0:
            raise SandboxError(f"user/group {self.config.run_user} missing in the chroot {self.root}")
        return uid, gid

    def _chown_tree(self, path: Path, uid: int, gid: int) -> None:
        os.chown(path, uid, gid, follow_symlinks=False)
        for dirpath, dirnames, filenames in os.walk(path):
            for name in dirnames + filenames:
                os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)

    def render(self) -> list[Path]:
        """Render the templates into the chroot's config directory (secrets created once)."""
        _, gid = self._asterisk_ids()
        out = self.host_path(self.config.config_dir)
        out.mkdir(parents=True, exist_ok=True)
        os.chown(out, 0, gid)
        os.chmod(out, 0o750)
        written = render_all(out, self.config.variables(self.secrets), templates_dir(), 0o640, (0, gid))
        return written

    def prepare(self) -> None:
        """Make the chroot ready to run this instance: hosts file, directories, owners, config."""
        if not is_provisioned(self.root):
            raise SandboxError(f"no Asterisk chroot at {self.root}: provision it first (hotline sandbox up)")
        self.host_path("/etc/hosts").write_text(CHROOT_HOSTS, encoding="utf-8")
        if not self.host_path(self.config.module_dir).is_dir():  # another architecture's multiarch dir
            found = sorted(self.root.glob("usr/lib/*/asterisk/modules")) or sorted(
                self.root.glob("usr/lib/asterisk/modules")
            )
            if not found:
                raise SandboxError(f"no Asterisk module directory in {self.root}")
            self.config = replace(self.config, module_dir="/" + str(found[0].relative_to(self.root)))
        uid, gid = self._asterisk_ids()
        cfg = self.config
        for chroot_dir in (
            cfg.run_dir,
            cfg.log_dir,
            cfg.db_dir,
            cfg.moh_dir,
            f"{cfg.spool_dir}/recording",
            f"{cfg.spool_dir}/monitor",
            f"{cfg.spool_dir}/outgoing",
            f"{cfg.spool_dir}/tmp",
        ):
            self.host_path(chroot_dir).mkdir(parents=True, exist_ok=True)
        write_hold_music(self.host_path(f"{cfg.moh_dir}/hotline-chime.wav"))
        for chroot_dir in (*VAR_DIRS, "/run/asterisk"):
            path = self.host_path(chroot_dir)
            path.mkdir(parents=True, exist_ok=True)
            self._chown_tree(path, uid, gid)
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.render()

    def _mount(self) -> None:
        proc_dir, dev_dir = self.host_path("/proc"), self.host_path("/dev")
        proc_dir.mkdir(exist_ok=True)
        dev_dir.mkdir(exist_ok=True)
        if not is_mounted(proc_dir):
            self._run(["mount", "-t", "proc", "proc", str(proc_dir)])
        if not is_mounted(dev_dir):
            self._run(["mount", "--bind", "/dev", str(dev_dir)])

    def _unmount_if_unused(self) -> None:
        users = self._processes_in_root()
        if users:
            self.log(f"leaving {self.root}/proc and /dev mounted: still used by pids {users}")
            return
        for name in ("/dev", "/proc"):
            unmount(self.host_path(name))

    def _processes_in_root(self) -> list[int]:
        pids: list[int] = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                if Path(os.readlink(entry / "root")).resolve() == self.root:
                    pids.append(int(entry.name))
        return pids

    @staticmethod
    def _run(cmd: list[str]) -> None:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SandboxError(f"{' '.join(cmd)} failed: {done.stderr.strip()}")

    # ----------------------------------------------------------------------------------------- process
    def _read_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return None

    def _alive(self, pid: int) -> bool:
        if self._proc is not None and self._proc.pid == pid:
            return self._proc.poll() is None
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        state = stat.rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X") and self.conf_file.encode() in cmdline

    @property
    def pid(self) -> int | None:
        """The pid of this instance's Asterisk process, if it runs."""
        pid = self._read_pid()
        return pid if pid is not None and self._alive(pid) else None

    def is_running(self) -> bool:
        """True when this instance's Asterisk process is alive."""
        return self.pid is not None

    def cli(self, command: str, timeout: float = 30.0) -> str:
        """Run one Asterisk CLI command (``asterisk -rx``) and return its output."""
        cmd = ["chroot", str(self.root), "asterisk", "-C", self.conf_file, "-rx", command]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise SandboxError(f"asterisk -rx {command!r} timed out after {timeout:.0f} s") from exc
        output = done.stdout + done.stderr
        if done.returncode != 0 or "Unable to connect to remote asterisk" in output:
            raise SandboxError(f"asterisk -rx {command!r} failed (rc={done.returncode}): {output.strip()}")
        return done.stdout

    def version(self) -> str | None:
        """``Asterisk 22.x …`` from the running instance, or None."""
        try:
            return self.cli("core show version", timeout=10).strip().split(" built ")[0] or None
        except SandboxError:
            return None

    def _check_ports_free(self) -> None:
        checks = (
            (socket.SOCK_DGRAM, self.ports.sip, "SIP"),
            (socket.SOCK_STREAM, self.ports.ami, "AMI"),
            (socket.SOCK_STREAM, self.ports.http, "HTTP/ARI"),
        )
        for kind, port, label in checks:
            with socket.socket(socket.AF_INET, kind) as probe:
                if kind == socket.SOCK_STREAM:
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind((self.config.bind, port))
                except OSError as exc:
                    raise SandboxError(
                        f"{label} port {port} on {self.config.bind} is in use ({exc.strerror}); "
                        "stop what holds it or choose other ports"
                    ) from exc

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.console_log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no console log)"

    def missing_modules(self) -> list[str]:
        """Modules listed in the rendered modules.conf that are not running."""
        conf = self.host_path(f"{self.config.config_dir}/modules.conf").read_text(encoding="utf-8")
        wanted = re.findall(r"^\s*(?:load|require)\s*=>\s*(\S+)", conf, re.MULTILINE)
        loaded = set(LOADED_RE.findall(self.cli("module show")))
        return [name for name in wanted if name not in loaded]

    def up(self, timeout: float = BOOT_TIMEOUT_S) -> str:
        """Provision (cached), render, mount and start Asterisk; wait until fully booted. Idempotent."""
        if self.is_running():
            if self._started_with() == repr(self.ports):
                return f"already running: {self.status().line()}"
            self.down()  # running with other ports or settings (e.g. a test run that was interrupted)
        self.provision()
        self.prepare()
        self._check_ports_free()
        self._mount()
        self.console_log.parent.mkdir(parents=True, exist_ok=True)
        with self.console_log.open("ab") as console:
            self._proc = subprocess.Popen(
                ["chroot", str(self.root), "asterisk", "-f", "-n", "-C", self.conf_file],
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{self._proc.pid}\n", encoding="utf-8")
        self.pid_file.with_suffix(".config").write_text(repr(self.ports), encoding="utf-8")
        self._wait_booted(self._proc.pid, timeout)
        missing = self.missing_modules()
        if missing:
            self.down()
            raise SandboxError(f"modules failed to load: {', '.join(missing)}\n{self._log_tail()}")
        return self.status().line()

    def _started_with(self) -> str | None:
        """The configuration the running instance was started with (``None``: unknown)."""
        try:
            return self.pid_file.with_suffix(".config").read_text(encoding="utf-8")
        except OSError:
            return None

    def _wait_booted(self, pid: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._alive(pid):
                self._forget()
                raise SandboxError(f"asterisk exited during start-up:\n{self._log_tail()}")
            left = max(1.0, deadline - time.monotonic())
            try:
                if "fully booted" in self.cli("core waitfullybooted", timeout=left).lower():
                    return
            except SandboxError:
                pass
            time.sleep(0.3)
        self.down()
        raise SandboxError(f"asterisk not fully booted after {timeout:.0f} s:\n{self._log_tail()}")

    def _forget(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.pid_file.unlink()
        if self._proc is not None:
            self._proc.poll()
            self._proc = None

    def _wait_gone(self, pid: int, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self._alive(pid):
                return True
            time.sleep(0.2)
        return not self._alive(pid)

    def down(self) -> str:
        """Stop Asterisk (graceful, then by signal) and unmount proc/dev when unused. Idempotent."""
        pid = self.pid
        if pid is None:
            self._forget()
            if is_provisioned(self.root):
                self._unmount_if_unused()
            return "not running"
        with contextlib.suppress(SandboxError):
            self.cli("core stop now", timeout=10)
        how = "stopped"
        if not self._wait_gone(pid, STOP_TIMEOUT_S):
            how = "terminated"
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
            if not self._wait_gone(pid, 5):
                how = "killed"
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                self._wait_gone(pid, 5)
        self._forget()
        self._unmount_if_unused()
        return f"asterisk sandbox {how} (pid {pid})"

    def status(self) -> Status:
        """Running or not, version, ports."""
        pid = self.pid
        return Status(
            running=pid is not None,
            pid=pid,
            version=self.version() if pid is not None else None,
            ports=self.ports,
            config_dir=self.config.config_dir,
            root=self.root,
        )
