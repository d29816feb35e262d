"""Offline speech recognition with Vosk: models, live streams, recordings, draft extraction.

Modules: :mod:`asr.models` (registry, resolution, verify), :mod:`asr.model_install` (download + install),
:mod:`asr.engine` (shared models, recognizers, thread pool), :mod:`asr.audio` (files → mono int16),
:mod:`asr.transcribe` (recorded files), :mod:`asr.errors` (the exception tree). Importing the package is
cheap: Vosk itself is loaded only when a model is.
"""
