"""Render the ``sip_configs/*.conf.tmpl`` templates into an Asterisk config directory.

Templates are :class:`string.Template` files: ``${NAME}`` is filled in here, ``$$`` is a literal dollar
(so Asterisk's own ``${EXTEN}`` is written ``$${EXTEN}``). Rendering is strict: an unknown placeholder is
an error, never a silent blank. Secrets are generated once per config directory and kept in
``secrets.env`` (mode 600) next to the rendered files; the repository holds none.
"""

from __future__ import annotations

import math
import os
import secrets
import string
import struct
import wave
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path

TEMPLATE_SUFFIX = ".conf.tmpl"
SECRETS_FILE = "secrets.env"
BASE_SECRET_KEYS = ("AMI_SECRET", "ARI_PASSWORD")
FIRST_AGENT = 1001
DEFAULT_AGENTS = 3
MAX_AGENTS = 99  # extensions 1001…1099


def agent_extensions(agents: int) -> list[str]:
    """The agent phones' extensions (= pjsip endpoint ``agent<ext>``): 1001, 1002, …"""
    if not 1 <= agents <= MAX_AGENTS:
        raise RenderError(f"between 1 and {MAX_AGENTS} agent phones, got {agents}")
    return [str(FIRST_AGENT + n) for n in range(agents)]


def secret_keys(agents: int = DEFAULT_AGENTS) -> tuple[str, ...]:
    """Every secret the templates need with ``agents`` agent phones."""
    return BASE_SECRET_KEYS + tuple(f"AGENT{ext}_PASSWORD" for ext in agent_extensions(agents))


SECRET_KEYS = secret_keys()
TEMPLATES_ENV = "HOTLINE_SIP_CONFIGS"


class RenderError(ValueError):
    """A template cannot be rendered (unknown placeholder, bad syntax, missing template directory)."""


def templates_dir() -> Path:
    """``$HOTLINE_SIP_CONFIGS``, else the ``sip_configs`` templates shipped with the package (in a checkout:
    the repository's ``sip_configs/``)."""
    value = os.environ.get(TEMPLATES_ENV)
    return Path(value) if value else Path(str(resources.files("sip_configs")))


@dataclass(frozen=True)
class Ports:
    """The listening ports of one Asterisk instance (all bound to loopback in the sandbox)."""

    sip: int = 5060
    ami: int = 5038
    http: int = 8088
    rtp_start: int = 10000
    rtp_end: int = 10999
    trunk: int = 5070  # where the citizen trunk (e.g. a SIPp UAS) listens for outbound survey calls


@dataclass(frozen=True)
class RenderConfig:
    """Every non-secret value the templates use. Paths are as seen from inside the chroot."""

    config_dir: str = "/etc/asterisk/hotline"
    module_dir: str = "/usr/lib/x86_64-linux-gnu/asterisk/modules"
    ports: Ports = field(default_factory=Ports)
    bind: str = "127.0.0.1"
    trunk_host: str = "127.0.0.1"
    run_user: str = "asterisk"
    run_group: str = "asterisk"
    ami_user: str = "hotline"
    ari_user: str = "hotline"
    ari_app: str = "hotline-ivr"
    survey_app: str = "hotline-survey"
    queue_timeout: int = 300
    max_calls: int = 500
    bench_enabled: bool = False
    bench_menu_prompt: str = "hotline/menu"  # the IVR's own menu prompt (hotline prompts build)
    spool_dir: str = "/var/spool/asterisk"
    agents: int = DEFAULT_AGENTS  # agent phones agent1001… (the screen-pop benchmark renders 50)
    agent_qualify_s: int = 30  # OPTIONS keep-alive of agent phones (0: off, as in the sandbox)

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """The secrets this configuration needs."""
        return secret_keys(self.agents)

    @property
    def instance(self) -> str:
        """Name of the instance: the config directory's last component."""
        return Path(self.config_dir).name

    @property
    def run_dir(self) -> str:
        return f"/run/asterisk/{self.instance}"

    @property
    def log_dir(self) -> str:
        return f"/var/log/asterisk/{self.instance}"

    @property
    def db_dir(self) -> str:
        return f"/var/lib/asterisk/{self.instance}"

    @property
    def moh_dir(self) -> str:
        return f"/var/lib/asterisk/moh/{self.instance}"

    def variables(self, secret_values: dict[str, str]) -> dict[str, str]:
        """The placeholder values: these settings plus the secrets."""
        values = {
            "CONFIG_DIR": self.config_dir,
            "MODULE_DIR": self.module_dir,
            "DB_DIR": self.db_dir,
            "RUN_DIR": self.run_dir,
            "LOG_DIR": self.log_dir,
            "SPOOL_DIR": self.spool_dir,
            "MOH_DIR": self.moh_dir,
            "RUN_USER": self.run_user,
            "RUN_GROUP": self.run_group,
            "MAX_CALLS": str(self.max_calls),
            "SIP_BIND": self.bind,
            "SIP_PORT": str(self.ports.sip),
            "TRUNK_HOST": self.trunk_host,
            "TRUNK_PORT": str(self.ports.trunk),
            "AMI_BIND": self.bind,
            "AMI_PORT": str(self.ports.ami),
            "AMI_PERMIT": f"{self.bind}/255.255.255.255",
            "AMI_USER": self.ami_user,
            "HTTP_BIND": self.bind,
            "HTTP_PORT": str(self.ports.http),
            "ARI_USER": self.ari_user,
            "ARI_APP": self.ari_app,
            "SURVEY_APP": self.survey_app,
            "QUEUE_TIMEOUT": str(self.queue_timeout),
            "RTP_START": str(self.ports.rtp_start),
            "RTP_END": str(self.ports.rtp_end),
            "BENCH_ENABLED": "1" if self.bench_enabled else "0",
            "BENCH_MENU_PROMPT": self.bench_menu_prompt,
            "AGENT_QUALIFY_FREQUENCY": str(self.agent_qualify_s),
        }
        keys = self.secret_keys
        missing = [key for key in keys if not secret_values.get(key)]
        if missing:
            raise RenderError(f"secrets missing: {', '.join(missing)}")
        values.update({key: secret_values[key] for key in keys})
        values["AGENT_ENDPOINTS"] = "\n".join(
            _AGENT_BLOCK.format(ext=ext, password=secret_values[f"AGENT{ext}_PASSWORD"])
            for ext in agent_extensions(self.agents)
        )
        return values


# One agent phone in pjsip.conf (inherits the agent-* templates of pjsip.conf.tmpl).
_AGENT_BLOCK = """[agent{ext}](agent-endpoint)
auth = agent{ext}
aors = agent{ext}
callerid = "Agent {ext}" <{ext}>
[agent{ext}](agent-auth)
username = agent{ext}
password = {password}
[agent{ext}](agent-aor)
"""


def ports_from_fields(**kwargs: int) -> Ports:
    """Build :class:`Ports`, ignoring ``None`` values (CLI options left unset)."""
    names = {f.name for f in fields(Ports)}
    return Ports(**{k: v for k, v in kwargs.items() if k in names and v is not None})


# --------------------------------------------------------------------------------------------- secrets
def new_secrets(keys: tuple[str, ...] = SECRET_KEYS) -> dict[str, str]:
    """Fresh random secrets for ``keys`` (every key the default templates need)."""
    return {key: secrets.token_urlsafe(18) for key in keys}


def read_secrets(path: Path) -> dict[str, str]:
    """Parse a ``KEY=VALUE`` secrets file."""
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def write_secrets(path: Path, values: dict[str, str]) -> None:
    """Write the secrets file with mode 600 (created with that mode, never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "# generated by hotline sandbox; keep private\n" + "".join(f"{k}={values[k]}\n" for k in values)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(body)
    os.chmod(path, 0o600)


def load_or_create_secrets(
    path: Path, given: dict[str, str] | None = None, keys: tuple[str, ...] = SECRET_KEYS
) -> dict[str, str]:
    """The stored secrets for ``keys`` (created on first use, kept when no longer needed); ``given``
    values win and are stored."""
    stored = read_secrets(path) if path.is_file() else {}
    merged = {**new_secrets(keys), **stored, **(given or {})}
    wanted = list(dict.fromkeys([*stored, *keys]))
    merged = {key: merged[key] for key in wanted}
    if merged != {k: stored.get(k) for k in wanted}:
        write_secrets(path, merged)
    return merged


# --------------------------------------------------------------------------------------------- render
def render_text(text: str, variables: dict[str, str], name: str = "<template>") -> str:
    """Substitute strictly: unknown ``${NAME}`` or a stray ``$`` raises :class:`RenderError`."""
    try:
        return string.Template(text).substitute(variables)
    except KeyError as exc:
        raise RenderError(f"{name}: unknown placeholder {exc.args[0]!r}") from exc
    except ValueError as exc:
        raise RenderError(f"{name}: {exc} (write a literal dollar as $$)") from exc


def render_all(
    out_dir: Path,
    variables: dict[str, str],
    source: Path | None = None,
    file_mode: int = 0o640,
    owner: tuple[int, int] | None = None,
) -> list[Path]:
    """Render every ``*.conf.tmpl`` of ``source`` into ``out_dir``; returns the files written."""
    src = source or templates_dir()
    templates = sorted(src.glob(f"*{TEMPLATE_SUFFIX}"))
    if not templates:
        raise RenderError(f"no {TEMPLATE_SUFFIX} templates in {src}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for template in templates:
        target = out_dir / template.name.removesuffix(".tmpl")
        text = render_text(template.read_text(encoding="utf-8"), variables, template.name)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.chmod(tmp, file_mode)
        if owner is not None:
            os.chown(tmp, 0, owner[1])
        tmp.replace(target)
        written.append(target)
    return written


def write_hold_music(path: Path, seconds: float = 8.0, rate: int = 8000) -> None:
    """A soft two-tone chime (8 kHz, 16-bit mono WAV) as default music on hold."""
    if path.is_file():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    notes = (523.25, 659.25, 783.99, 659.25)
    frames = bytearray()
    total = int(seconds * rate)
    per_note = total // len(notes)
    for index in range(total):
        freq = notes[min(index // per_note, len(notes) - 1)]
        t = (index % per_note) / rate
        envelope = math.exp(-3.0 * t)
        frames += struct.pack("<h", int(4000 * envelope * math.sin(2 * math.pi * freq * index / rate)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
