"""The live transcript of one call as a pure state machine (asr.live.transcript)."""

from __future__ import annotations

import uuid

from asr.bus import LiveEnded, LiveFinal, LivePartial
from asr.live.transcript import LivePhase, LiveTranscript, Publish, StoreTranscript
from asr.results import Final, Partial, Word

CALL = uuid.UUID(int=7)


def test_partials_and_finals_are_published_with_their_timing() -> None:
    live = LiveTranscript(CALL)
    live.streaming()
    assert live.heard(None, 0.2, 1.0) == []
    assert live.heard(Partial("안녕"), 0.5, 1.1) == [Publish(LivePartial(CALL, "안녕", 0.5, 1.1))]
    words = (Word("안녕", 0.2, 0.6, 0.91), Word("하세요", 0.6, 1.2, 0.874))
    [published] = live.heard(Final("안녕 하세요", words), 1.4, 1.5)
    assert isinstance(published, Publish)
    final = published.event
    assert isinstance(final, LiveFinal)
    assert (final.text, final.start_s, final.end_s, final.audio_s, final.at) == (
        "안녕 하세요",
        0.2,
        1.2,
        1.4,
        1.5,
    )
    assert final.words[1] == {"word": "하세요", "start": 0.6, "end": 1.2, "conf": 0.874}
    assert live.partials == 1
    assert live.text == "안녕 하세요"


def test_an_utterance_of_silence_is_not_a_final() -> None:
    live = LiveTranscript(CALL)
    live.streaming()
    assert live.heard(Final(""), 3.0, 2.0) == []
    assert live.finals == []


def test_a_final_without_word_timings_spans_the_audio_so_far() -> None:
    live = LiveTranscript(CALL)
    live.streaming()
    [published] = live.heard(Final("네"), 2.5, 9.0)
    assert isinstance(published.event, LiveFinal)
    assert (published.event.start_s, published.event.end_s) == (2.5, 2.5)


def test_the_end_stores_the_transcript_before_announcing_it() -> None:
    live = LiveTranscript(CALL)
    live.streaming()
    live.heard(Final("하나", (Word("하나", 0.0, 0.4, 1.0),)), 0.5, 1.0)
    live.heard(Final("둘", (Word("둘", 1.0, 1.3, 1.0),)), 1.5, 2.0)
    store, ended = live.end("hangup", 4.0, 3.0)
    assert store == StoreTranscript(
        CALL,
        "하나 둘",
        (
            {
                "text": "하나",
                "start": 0.0,
                "end": 0.4,
                "words": [{"word": "하나", "start": 0.0, "end": 0.4, "conf": 1.0}],
            },
            {
                "text": "둘",
                "start": 1.0,
                "end": 1.3,
                "words": [{"word": "둘", "start": 1.0, "end": 1.3, "conf": 1.0}],
            },
        ),
    )
    assert ended == Publish(LiveEnded(CALL, "하나 둘", 4.0, 3.0, "hangup"))
    assert live.phase is LivePhase.ENDED
    assert live.end("hangup", 5.0, 4.0) == []  # exactly one end
    assert live.heard(Partial("늦게"), 5.0, 4.0) == []  # nothing after the end


def test_a_call_whose_audio_never_flowed_stores_nothing_but_still_ends() -> None:
    live = LiveTranscript(CALL)
    assert live.end("gone", 0.0, 1.0) == [Publish(LiveEnded(CALL, "", 0.0, 1.0, "gone"))]
