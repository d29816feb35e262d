"""Offline speech recognition with Vosk: models, live streams, recordings, draft extraction.

Modules: :mod:`asr.model_registry` (registry, resolution, verify), :mod:`asr.model_install` (download +
install), :mod:`asr.engine` (shared models, recognizers, thread pool), :mod:`asr.audio` (files → mono
int16), :mod:`asr.transcribe` (recorded files), :mod:`asr.worker` (drafts from recordings),
:mod:`asr.live` (live transcripts from audio frames), :mod:`asr.grammar` (the speech menu's phrase
recogniser), :mod:`asr.drafting` (transcript → draft fields), :mod:`asr.errors` (the exception tree).
``asr`` consumes audio; it never talks to Asterisk. Importing the package is cheap: Vosk itself is loaded
only when a model is.
"""
