"""One exception tree for the ``asr`` package.

Every error carries a stable ``error_id`` and a message that says what to do about it; the CLI prints
``error_id: message`` and callers that serve HTTP can map :class:`AsrError` in one place.
"""

from __future__ import annotations

from typing import Any, ClassVar


class AsrError(Exception):
    """Base of every error raised by ``asr``."""

    error_id: ClassVar[str] = "asr_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details

    def to_dict(self) -> dict[str, Any]:
        """The wire form of this error."""
        return {"error_id": self.error_id, "message": self.message, "details": self.details}


class ModelMissing(AsrError):
    """A model is not installed where the settings say it is; the message names the command that fixes it."""

    error_id = "asr_model_missing"

    def __init__(self, name: str, install_hint: str | None = None, *, where: str | None = None) -> None:
        self.name = name
        self.install_hint = install_hint or f"hotline asr models install {name}"
        place = f" (looked in {where})" if where else ""
        super().__init__(
            f"ASR model {name!r} is not installed{place}; fix: `{self.install_hint}`",
            name=name,
            install_hint=self.install_hint,
        )


class ModelCorrupt(AsrError):
    """A model directory or archive is not a usable Vosk model (bad layout, bad zip, changed files)."""

    error_id = "asr_model_corrupt"


class InstallRefused(AsrError):
    """An install cannot proceed as asked (no URL for an unknown model, no checksum pin, a hand-made dir…)."""

    error_id = "asr_install_refused"


class DownloadError(AsrError):
    """The model archive could not be fetched completely (network, HTTP status, connection cut)."""

    error_id = "asr_download_error"


class ChecksumMismatch(AsrError):
    """The archive is not the one that was pinned (its SHA-256 differs)."""

    error_id = "asr_checksum_mismatch"


class SizeMismatch(ChecksumMismatch):
    """The archive has a different byte size than the pinned one."""

    error_id = "asr_size_mismatch"


class AudioError(AsrError):
    """An audio file is missing, unreadable, corrupt or empty."""

    error_id = "asr_audio_error"


class RecognizerError(AsrError):
    """The recognizer cannot do what was asked (grammar words unknown to the model, closed stream…)."""

    error_id = "asr_recognizer_error"
