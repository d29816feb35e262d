"""A real Asterisk 22 for development and tests: a cached Debian sid chroot running ``sip_configs/``.

Python use::

    sb = Sandbox(ports=Ports(sip=15060, ami=15038, http=18088), config_dir="/etc/asterisk/hotline-test")
    sb.up(); print(sb.cli("core show version")); sb.down()

CLI use: ``hotline sandbox up|down|status|cli "<command>"|render`` (``sandbox_group``), or
``python -m sandbox …``.
"""

from sandbox.cli import sandbox_group
from sandbox.provision import SandboxError, default_root, find_mirror, is_provisioned, provision
from sandbox.render import Ports, RenderConfig, RenderError
from sandbox.runtime import Sandbox, Status

__all__ = [
    "Ports",
    "RenderConfig",
    "RenderError",
    "Sandbox",
    "SandboxError",
    "Status",
    "default_root",
    "find_mirror",
    "is_provisioned",
    "provision",
    "sandbox_group",
]
