"""Mandarin prompt catalogue (text) and its renderer to audio files for Asterisk (``sound:hotline/<id>``)."""

from ivr.prompts.catalogue import CATALOGUE, SOUNDS_SUBDIR, SPEECH_PHRASES, Prompt, media_uri, speech_phrases
from ivr.prompts.render import (
    DEFAULT_VOICE,
    MANIFEST_FILE,
    BuildReport,
    PromptBuildError,
    Target,
    WavInfo,
    build_prompts,
    targets_for,
    wav_info,
)

__all__ = [
    "CATALOGUE",
    "DEFAULT_VOICE",
    "MANIFEST_FILE",
    "SOUNDS_SUBDIR",
    "SPEECH_PHRASES",
    "BuildReport",
    "Prompt",
    "PromptBuildError",
    "Target",
    "WavInfo",
    "build_prompts",
    "media_uri",
    "speech_phrases",
    "targets_for",
    "wav_info",
]
