"""Live transcription of a call while the caller talks to the agent.

:mod:`~asr.live.transcript` is the pure state machine (recogniser results in; bus messages and the
transcript to store out); :mod:`~asr.live.transcriber` is its thin asyncio shell, fed by any
:class:`~asr.live.ports.AudioSource` (in production the IVR's audio taps).
"""
