"""The 回访 survey flow as a state machine: events in, commands out, no socket."""

from __future__ import annotations

import pytest

from ivr.flows.commands import (
    CancelTimer,
    Command,
    Hangup,
    Play,
    Record,
    ReportAnswer,
    ReportComment,
    ReportSurveyEnd,
    StartTimer,
    StopPlayback,
    StopRecording,
)
from ivr.flows.events import (
    CommandFailed,
    Dtmf,
    HungUp,
    PlaybackFinished,
    RecordingFailed,
    RecordingFinished,
    Started,
    TimerFired,
)
from ivr.flows.survey import SurveyConfig, SurveyEnd, SurveyFlow, SurveyMatter, SurveyState, matter_prompts
from ivr.prompts import CATALOGUE

NOISE = SurveyMatter("t-1", "complaint", 12, 3)
ROAD = SurveyMatter("t-2", "help", 11, 28)


def plays(commands: list[Command]) -> list[Play]:
    return [c for c in commands if isinstance(c, Play)]


def last_play(commands: list[Command]) -> Play:
    found = plays(commands)
    assert found, commands
    return found[-1]


def answers(commands: list[Command]) -> list[ReportAnswer]:
    return [c for c in commands if isinstance(c, ReportAnswer)]


def ends(commands: list[Command]) -> list[ReportSurveyEnd]:
    return [c for c in commands if isinstance(c, ReportSurveyEnd)]


class Call:
    """Drives a flow and remembers the running playback and timer, like the glue does."""

    def __init__(self, *matters: SurveyMatter, config: SurveyConfig | None = None) -> None:
        self.flow = SurveyFlow(matters, config or SurveyConfig(), call_name="c1")
        self.log: list[Command] = []
        self.playback: str | None = None
        self.timer: str | None = None
        self.recording: str | None = None

    def feed(self, event: object) -> list[Command]:
        out = self.flow.start(event) if isinstance(event, Started) else self.flow.handle(event)  # type: ignore[arg-type]
        for command in out:
            match command:
                case Play(playback_id=pid):
                    self.playback = pid
                case StartTimer(timer_id=tid):
                    self.timer = tid
                case Record(name=name):
                    self.recording = name
        self.log += out
        return out

    def played(self) -> list[Command]:
        assert self.playback is not None
        return self.feed(PlaybackFinished(self.playback))

    def timeout(self) -> list[Command]:
        assert self.timer is not None
        return self.feed(TimerFired(self.timer))

    def key(self, digit: str) -> list[Command]:
        return self.feed(Dtmf(digit))


def test_the_greeting_names_the_matter_and_asks_q1() -> None:
    call = Call(NOISE)
    first = last_play(call.feed(Started()))
    assert first.prompts == ("survey_greeting", "survey_matter_on", "month_12", "day_3",
                             "survey_matter_complaint", "survey_q_solved")  # fmt: skip
    assert call.flow.state is SurveyState.ASK


def test_every_prompt_the_survey_can_play_is_in_the_catalogue() -> None:
    config = SurveyConfig()
    for prompt_id in config.prompts.ids():
        assert prompt_id in CATALOGUE, prompt_id
    for month in range(1, 13):
        for day in (1, 15, 31):
            for category in ("consult", "help", "complaint", "report", "suggestion", "praise", "other"):
                for prompt_id in matter_prompts(SurveyMatter("t", category, month, day)):
                    assert prompt_id in CATALOGUE, prompt_id


def test_unsolved_and_unsatisfied_answers_are_reported_at_once_then_comment_and_thanks() -> None:
    call = Call(NOISE)
    call.feed(Started())
    out = call.key("2")  # barge-in while Q1 plays
    assert StopPlayback(out[0].playback_id) == out[0]  # type: ignore[union-attr]
    assert answers(out) == [ReportAnswer("t-1", solved=False)]
    assert last_play(out).prompts == ("survey_q_satisfaction",)
    call.played()
    out = call.key("3")  # after the question, while the no-input timer runs
    assert any(isinstance(c, CancelTimer) for c in out)
    assert answers(out) == [ReportAnswer("t-1", satisfaction="unsatisfied")]
    assert last_play(out).prompts == ("survey_comment",)
    out = call.played()
    assert isinstance(out[0], Record)
    assert out[0].terminate_on == "#"
    out = call.feed(RecordingFinished(out[0].name, 4200))
    assert ReportComment(call.recording or "", 4200) in out
    assert last_play(out).prompts == ("survey_thanks",)
    out = call.played()
    assert out == [Hangup(), ReportSurveyEnd(SurveyEnd.COMPLETE.value)]
    assert call.flow.finished


def test_hash_skips_the_comment() -> None:
    call = Call(NOISE, config=SurveyConfig(comment=True))
    call.feed(Started())
    call.key("1")
    call.key("1")
    out = call.key("#")
    assert last_play(out).prompts == ("survey_thanks",)
    assert not any(isinstance(c, Record) for c in call.log)


def test_without_comments_thanks_follow_the_last_answer() -> None:
    call = Call(NOISE, config=SurveyConfig(comment=False))
    call.feed(Started())
    call.key("1")
    out = call.key("2")
    assert answers(out) == [ReportAnswer("t-1", satisfaction="basically_satisfied")]
    assert last_play(out).prompts == ("survey_thanks",)


def test_two_matters_in_one_call_each_get_both_questions() -> None:
    call = Call(NOISE, ROAD, config=SurveyConfig(comment=False))
    call.feed(Started())
    call.key("1")
    out = call.key("1")
    assert last_play(out).prompts == ("survey_next_matter", "survey_matter_on", "month_11", "day_28",
                                      "survey_matter_help", "survey_q_solved")  # fmt: skip
    call.key("2")
    call.key("3")
    assert answers(call.log) == [
        ReportAnswer("t-1", solved=True),
        ReportAnswer("t-1", satisfaction="satisfied"),
        ReportAnswer("t-2", solved=False),
        ReportAnswer("t-2", satisfaction="unsatisfied"),
    ]


def test_an_invalid_key_says_sorry_and_asks_again_then_gives_up_politely() -> None:
    call = Call(NOISE, config=SurveyConfig(max_attempts=2))
    call.feed(Started())
    out = call.key("7")
    assert answers(out) == []
    assert last_play(out).prompts == ("invalid", "survey_q_solved")
    call.played()
    out = call.key("9")
    assert last_play(out).prompts == ("survey_goodbye",)
    out = call.played()
    assert out == [Hangup(), ReportSurveyEnd(SurveyEnd.PARTIAL.value)]


def test_no_key_in_time_asks_again_with_the_timeout_notice() -> None:
    call = Call(NOISE, config=SurveyConfig(max_attempts=3))
    call.feed(Started())
    call.played()
    out = call.timeout()
    assert last_play(out).prompts == ("timeout", "survey_q_solved")
    call.played()
    call.timeout()
    call.played()
    out = call.timeout()
    assert last_play(out).prompts == ("survey_goodbye",)


def test_strikes_count_per_question() -> None:
    call = Call(NOISE, config=SurveyConfig(max_attempts=2, comment=False))
    call.feed(Started())
    call.key("5")  # strike 1 on Q1
    call.key("1")  # answered
    out = call.key("5")  # strike 1 on Q2: asked again, not the goodbye
    assert last_play(out).prompts == ("invalid", "survey_q_satisfaction")


def test_star_repeats_the_question_without_a_strike() -> None:
    call = Call(NOISE, config=SurveyConfig(max_attempts=1))
    call.feed(Started())
    out = call.key("*")
    assert last_play(out).prompts == ("survey_q_solved",)
    assert call.flow.state is SurveyState.ASK


def test_a_hang_up_after_q1_is_a_partial_survey_with_the_answer_kept() -> None:
    call = Call(NOISE)
    call.feed(Started())
    call.key("1")
    out = call.feed(HungUp())
    assert ends(out) == [ReportSurveyEnd(SurveyEnd.PARTIAL.value)]
    assert answers(call.log) == [ReportAnswer("t-1", solved=True)]
    assert call.flow.handle(Dtmf("1")) == []


def test_a_hang_up_during_the_comment_keeps_the_comment_and_the_survey_is_complete() -> None:
    call = Call(NOISE)
    call.feed(Started())
    call.key("1")
    call.key("1")
    call.played()
    out = call.feed(HungUp())
    assert ReportComment(call.recording or "", None) in out
    assert ends(out) == [ReportSurveyEnd(SurveyEnd.COMPLETE.value)]


def test_a_stuck_recording_is_stopped_by_the_guard_timer() -> None:
    call = Call(NOISE)
    call.feed(Started())
    call.key("1")
    call.key("1")
    call.played()
    out = call.timeout()
    assert out == [StopRecording(call.recording or "")]


def test_a_failed_recording_goes_on_to_the_thanks() -> None:
    call = Call(NOISE)
    call.feed(Started())
    call.key("1")
    call.key("1")
    call.played()
    out = call.feed(RecordingFailed(call.recording or ""))
    assert not any(isinstance(c, ReportComment) for c in out)
    assert last_play(out).prompts == ("survey_thanks",)


def test_a_prompt_that_cannot_play_ends_the_call_as_failed() -> None:
    call = Call(NOISE)
    call.feed(Started())
    out = call.feed(CommandFailed(call.playback, "sound not found"))
    assert out == [Hangup(), ReportSurveyEnd(SurveyEnd.FAILED.value)]


def test_stale_events_are_ignored() -> None:
    call = Call(NOISE)
    call.feed(Started())
    assert call.flow.handle(PlaybackFinished("nope")) == []
    assert call.flow.handle(TimerFired("nope")) == []
    assert call.flow.handle(CommandFailed("old-playback")) == []
    assert call.flow.handle(Started()) == []


def test_a_survey_about_nothing_hangs_up() -> None:
    call = Call()
    assert call.feed(Started()) == [Hangup(), ReportSurveyEnd(SurveyEnd.FAILED.value)]


@pytest.mark.parametrize("garbage", ["0", "4", "#", "9"])
def test_garbage_keys_never_become_answers(garbage: str) -> None:
    call = Call(NOISE, config=SurveyConfig(max_attempts=5))
    call.feed(Started())
    for _ in range(3):
        call.key(garbage)
    assert answers(call.log) == []
    assert not call.flow.finished


def test_exactly_one_end_per_call() -> None:
    call = Call(NOISE, config=SurveyConfig(comment=False))
    call.feed(Started())
    call.key("1")
    call.key("1")
    call.played()
    call.feed(HungUp())
    assert len(ends(call.log)) == 1
