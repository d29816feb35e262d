"""A real Asterisk 22 for development and tests: a cached Debian sid chroot running ``sip_configs/``.

Python use::

    sb = Sandbox(ports=Ports(sip=15060, ami=15038, http=18088), config_dir="/etc/asterisk/hotline-test")
    sb.up(); print(sb.cli("core show version")); sb.down()

CLI use: ``hotline sandbox up|down|status|cli "<command>"|render`` (``sandbox_group``), or
``python -m hotline.sandbox …``.
"""

from hotline.sandbox.cli import sandbox_group
from hotline.sandbox.provision import SandboxError, default_root, find_mirror, is_provisioned, provision
from hotline.sandbox.render import Ports, RenderConfig, RenderError
from hotline.sandbox.runtime import Sandbox, Status

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
