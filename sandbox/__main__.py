"""``python -m sandbox up|down|status|cli|render``."""

from sandbox.cli import sandbox_group

if __name__ == "__main__":
    sandbox_group(prog_name="python -m sandbox")
