"""Render the prompt catalogue to audio files Asterisk plays as ``sound:hotline/<id>``.

For each prompt: ``espeak-ng -v <voice> -w raw.wav <text>``, then ``sox`` to 16-bit mono signed-linear
WAV. Asterisk 22's ``format_wav`` registers two formats and checks the header rate against the one it
expects ("Unexpected frequency mismatch"): ``wav`` = 8 kHz in ``<id>.wav``, ``wav16`` = 16 kHz in
``<id>.wav16`` (a 16 kHz file named ``.wav`` is refused). So both are written: Asterisk picks the one
cheapest to translate to the channel (8 kHz for the G.711 trunk, 16 kHz for wideband/``slin16``).
Checked on the sandbox's Asterisk 22.10.1: ``core show file formats`` lists ``wav16`` (slin16, ext
``wav16``) and ``wav`` (slin, ext ``wav``); ``Playback(hotline/x)`` plays ``x.wav16`` when it is the
only file, and refuses a 16 kHz ``x.wav`` with that warning.

Studio recordings replace synthesis: a file ``<id>.wav16`` or ``<id>.wav`` in ``override_dir`` is
copied as is when it already has that target's format, otherwise converted with sox (any rate, mono
or stereo, 16/24-bit WAV); the missing counterpart is derived from it.

Idempotent: ``prompts-manifest.json`` in the output directory stores, per prompt, a hash of what
produced it (text, voice, rates, renderer version, or the override file's bytes); a prompt whose hash
and files are unchanged is skipped.

Voice: Debian's espeak-ng ``cmn`` voice is "Mandarin, latin as English": its dictionary gives pinyin
that the voice then reads with English letter rules (您好 comes out as "nin two hao three"). The
``cmn-latn-pinyin`` voice reads the same pinyin as Mandarin, so it is the default.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ivr.prompts.catalogue import CATALOGUE, Prompt

RENDERER_VERSION = 1
MANIFEST_FILE = "prompts-manifest.json"
DEFAULT_VOICE = "cmn-latn-pinyin"
SUPPORTED_RATES = (8000, 16000)

Log = Callable[[str], None]


class PromptBuildError(RuntimeError):
    """A prompt could not be rendered (tool missing, tool failed, unusable override file)."""


@dataclass(frozen=True, slots=True)
class Target:
    """One output file per prompt: extension (Asterisk format name) and sample rate."""

    ext: str
    rate: int


@dataclass(frozen=True, slots=True)
class WavInfo:
    """The header facts Asterisk cares about."""

    rate: int
    channels: int
    sample_width: int
    frames: int

    @property
    def seconds(self) -> float:
        """Duration in seconds."""
        return self.frames / self.rate if self.rate else 0.0


@dataclass
class BuildReport:
    """What :func:`build_prompts` did, by prompt id."""

    synthesised: list[str] = field(default_factory=list)
    overridden: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when any file was written."""
        return bool(self.synthesised or self.overridden)


def targets_for(rate: int) -> tuple[Target, ...]:
    """Output files for a main ``rate``: 16 kHz → ``.wav16`` + 8 kHz ``.wav``; 8 kHz → ``.wav`` only."""
    if rate == 16000:
        return (Target("wav16", 16000), Target("wav", 8000))
    if rate == 8000:
        return (Target("wav", 8000),)
    raise ValueError(f"rate {rate} not playable by Asterisk's wav formats; use one of {SUPPORTED_RATES}")


def wav_info(path: Path) -> WavInfo:
    """Read a WAV header (raises :class:`PromptBuildError` when it is not a PCM WAV)."""
    try:
        with wave.open(str(path), "rb") as handle:
            return WavInfo(
                handle.getframerate(), handle.getnchannels(), handle.getsampwidth(), handle.getnframes()
            )
    except (wave.Error, EOFError, OSError) as exc:
        raise PromptBuildError(f"{path}: not a readable PCM WAV file ({exc})") from exc


def _fits(info: WavInfo, target: Target) -> bool:
    return info.rate == target.rate and info.channels == 1 and info.sample_width == 2 and info.frames > 0


def _quiet(_: str) -> None:
    return None


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise PromptBuildError(f"{name} not found on PATH (Debian: apt-get install {name})")
    return found


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PromptBuildError(f"{' '.join(cmd[:3])} … failed (rc={done.returncode}): {done.stderr.strip()}")


def check_voice(espeak: str, voice: str) -> None:
    """Refuse a voice espeak-ng does not have: it would silently fall back to English."""
    done = subprocess.run([espeak, "--voices"], capture_output=True, text=True, check=False)
    known: set[str] = set()
    for line in done.stdout.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5:
            known.update(p.lower() for p in (parts[1], parts[3], parts[4]))
    if voice.lower() not in known:
        raise PromptBuildError(f"espeak-ng has no voice {voice!r} (see espeak-ng --voices)")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _overrides(prompt: Prompt, override_dir: Path | None) -> dict[str, Path]:
    if override_dir is None:
        return {}
    found = {ext: override_dir / f"{prompt.id}.{ext}" for ext in ("wav16", "wav")}
    return {ext: path for ext, path in found.items() if path.is_file()}


def _fingerprint(prompt: Prompt, voice: str, targets: tuple[Target, ...], overrides: dict[str, Path]) -> str:
    recipe: dict[str, object] = {
        "renderer": RENDERER_VERSION,
        "targets": [[t.ext, t.rate] for t in targets],
    }
    if overrides:
        recipe["override"] = {ext: _sha256(path) for ext, path in sorted(overrides.items())}
    else:
        recipe["voice"] = voice
        recipe["text"] = prompt.tts_text
    blob = json.dumps(recipe, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


def _read_manifest(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    prompts = data.get("prompts") if isinstance(data, dict) else None
    if not isinstance(prompts, dict):
        return {}
    return {k: v for k, v in prompts.items() if isinstance(v, dict)}


def _write_manifest(path: Path, entries: Mapping[str, Mapping[str, str]]) -> None:
    body = {"version": RENDERER_VERSION, "prompts": dict(sorted(entries.items()))}
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def _convert(sox: str, source: Path, target: Target, out: Path) -> None:
    rate, encoding = ["-r", str(target.rate)], ["-c", "1", "-b", "16", "-e", "signed-integer"]
    _run([sox, "-t", "wav", str(source), *rate, *encoding, "-t", "wav", str(out)])


def _install(staged: Path, final: Path, mode: int) -> None:
    # The scratch directory may be on another file system: copy next to the target, then rename.
    tmp = final.with_name(f".{final.name}.tmp")
    shutil.copyfile(staged, tmp)
    os.chmod(tmp, mode)
    tmp.replace(final)


def build_prompts(
    out_dir: Path,
    voice: str = DEFAULT_VOICE,
    rate: int = 16000,
    *,
    catalogue: Mapping[str, Prompt] = CATALOGUE,
    override_dir: Path | None = None,
    force: bool = False,
    log: Log = _quiet,
    file_mode: int = 0o644,
) -> BuildReport:
    """Render ``catalogue`` into ``out_dir`` as ``<id>.wav16`` (16 kHz) and ``<id>.wav`` (8 kHz).

    Unchanged prompts are skipped (see the module docstring); ``force`` renders everything again.
    Files are written atomically and readable by all (Asterisk runs as its own user).
    """
    targets = targets_for(rate)
    out_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(out_dir, 0o755)
    manifest_path = out_dir / MANIFEST_FILE
    manifest = {k: v for k, v in _read_manifest(manifest_path).items() if k in catalogue}
    report = BuildReport()
    tools: dict[str, str] = {}

    def tool(name: str) -> str:
        if name not in tools:
            tools[name] = _tool(name)
            if name == "espeak-ng":
                check_voice(tools[name], voice)
        return tools[name]

    with tempfile.TemporaryDirectory(prefix="hotline-prompts-") as scratch_dir:
        scratch = Path(scratch_dir)
        for prompt in catalogue.values():
            overrides = _overrides(prompt, override_dir)
            digest = _fingerprint(prompt, voice, targets, overrides)
            finals = [out_dir / f"{prompt.id}.{t.ext}" for t in targets]
            entry = manifest.get(prompt.id, {})
            if not force and entry.get("hash") == digest and all(p.is_file() for p in finals):
                report.skipped.append(prompt.id)
                report.files += finals
                continue
            staged = [scratch / f"{prompt.id}.{t.ext}" for t in targets]
            if overrides:
                log(f"{prompt.id}: studio recording from {override_dir}")
                for target, stage in zip(targets, staged, strict=True):
                    own = overrides.get(target.ext)
                    if own is not None and _fits(wav_info(own), target):
                        shutil.copyfile(own, stage)
                    else:
                        _convert(tool("sox"), own or next(iter(overrides.values())), target, stage)
                source = "override"
            else:
                log(f"{prompt.id}: espeak-ng -v {voice}")
                raw = scratch / f"{prompt.id}.raw.wav"
                _run([tool("espeak-ng"), "-v", voice, "-w", str(raw), prompt.tts_text])
                for target, stage in zip(targets, staged, strict=True):
                    _convert(tool("sox"), raw, target, stage)
                source = "tts"
            for target, stage in zip(targets, staged, strict=True):
                info = wav_info(stage)
                if not _fits(info, target):
                    raise PromptBuildError(f"{prompt.id}.{target.ext}: rendered {info}, expected {target}")
            for stage, final in zip(staged, finals, strict=True):
                _install(stage, final, file_mode)
            manifest[prompt.id] = {"hash": digest, "source": source, "text": prompt.text}
            _write_manifest(manifest_path, manifest)
            (report.overridden if overrides else report.synthesised).append(prompt.id)
            report.files += finals
    if not manifest_path.is_file():
        _write_manifest(manifest_path, manifest)
    os.chmod(manifest_path, file_mode)
    return report
