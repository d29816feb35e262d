"""The inbound 12345 menu: welcome → menu → describe the matter → queue; out of hours: leave a message.

A pure state machine: :meth:`MenuFlow.start` / :meth:`MenuFlow.handle` take an event and return the
commands to execute, in order. It never raises on odd input: events the current state does not expect
(stale ids, digits during a recording, anything after the end) are ignored and produce no commands.

States (``MenuState``)::

    IDLE --Started(in hours)--> WELCOME --played--> MENU --played--> WAIT_DIGIT
    WELCOME/MENU --digit--> (stop playback, take the digit)       WAIT_DIGIT --digit--> (take the digit)
      1-4: ReportChoice(skill) → DESCRIBE --played--> RECORDING --finished/failed--> TRANSFER(skill)
      0:   ReportChoice(general) → TRANSFER(general)
      *:   MENU again (no strike)
      other key or no key in time: strike, reported as step ``invalid:<key>`` / ``timeout``;
        below max_attempts → MENU (notice + menu), else TRANSFER(general)
    TRANSFER --played--> SetVariables(HOTLINE_SKILL) + ContinueToQueue + ReportEnd(QUEUED) → DONE
    with emergency screening configured, RECORDING (with audio) passes through SCREEN first: an emergency
      → ReportStep(emergency:<service>) + SetVariables(QUEUE_PRIO, HOTLINE_EMERGENCY) → TRANSFER with the
      redirect notice (emergency_<service>), never the callback offer; none found → on as below
    with a callback offer configured, RECORDING's and key 0's way to TRANSFER passes through
      OFFER (ivr.flows.callback_offer): not offered / declined / no key → TRANSFER;
      booked → Hangup + ReportEnd(CALLBACK_REQUESTED) → DONE; booking failed → TRANSFER (with an apology)
    IDLE --Started(out of hours)--> OUT_OF_HOURS --played--> MESSAGE
      MESSAGE --recorded--> ReportRecording → GOODBYE --played--> Hangup + ReportEnd(MESSAGE_LEFT) → DONE
      MESSAGE --failed/empty--> TRANSFER(general)            (never strand a caller)
    any --HungUp--> cancel timer, stop recording, ReportEnd(CALLER_HUNG_UP) → DONE
    any --CommandFailed(unknown id)--> SetVariables + ContinueToQueue + ReportEnd(FAILED) → DONE

Every call that reaches ``DONE`` has emitted exactly one :class:`ReportEnd`.

Speech (``MenuConfig.speech`` set; see :mod:`ivr.flows.speech`): the menu plays the speech variant of
its prompt and, when it starts, emits ``StartListening(listen_id, phrases)``. Keys work exactly as
without speech. While MENU/WAIT_DIGIT::

    SpeechRecognized(phrase) → like pressing the phrase's key, reported as step ``speech:<phrase>``
    SpeechNoMatch (or a recognised text that is no phrase / too unsure) → a strike (``speech:nomatch``,
        notice ``no_match_prompt``); the menu is repeated with a new StartListening
    CommandFailed(listen_id) → this call goes on with keys only (no strike)

One listen gives at most one result. Whatever comes first wins: a key press ends the menu step, and a
recognition still in flight for it is then stale (its listen id is no longer the flow's) and ignored.
``StopListening`` is emitted whenever the menu step ends (a choice, a transfer, a hang-up, a failure).
"""

from __future__ import annotations

from ivr.flows.callback_offer import CallbackOffer, OfferResult
from ivr.flows.commands import (
    Answer,
    CancelTimer,
    Command,
    ContinueToQueue,
    Hangup,
    Play,
    Record,
    ReportChoice,
    ReportEnd,
    ReportRecording,
    ReportStep,
    SetVariables,
    StartListening,
    StartTimer,
    StopListening,
    StopPlayback,
    StopRecording,
)
from ivr.flows.emergency_screen import (
    EMERGENCY_PRIORITY,
    EMERGENCY_VARIABLE,
    PRIORITY_VARIABLE,
    EmergencyScreen,
)
from ivr.flows.events import (
    CommandFailed,
    Dtmf,
    Event,
    HungUp,
    PlaybackFinished,
    RecordingFailed,
    RecordingFinished,
    SpeechNoMatch,
    SpeechRecognized,
    Started,
    TimerFired,
)
from ivr.flows.menu_config import (
    AGENT_DIGIT,
    DIGIT_SKILLS,
    LISTENING_STATES,
    REPEAT_DIGIT,
    SKILL_VARIABLE,
    STEP_STATES,
    MenuConfig,
    MenuState,
)
from ivr.flows.speech import NO_MATCH_STEP, Verdict, interpret, speech_step
from ticketing.calls.vocabulary import CallEndReason, Skill


class MenuFlow:
    """The inbound menu of one call (see the module docstring for the state diagram).

    ``call_name`` makes the ids of playbacks, timers and recordings unique per call (recording names
    become files in Asterisk's recording spool: use something file-name safe, e.g. the channel id).
    """

    def __init__(self, config: MenuConfig | None = None, call_name: str = "call") -> None:
        self._config = config or MenuConfig()
        self._p = self._config.prompts
        self._name = call_name
        self._state = MenuState.IDLE
        self._step: str | None = None
        self._playback: str | None = None
        self._timer: str | None = None
        self._recording: str | None = None
        self._issued: set[str] = set()
        self._seq = 0
        self._strikes = 0
        self._skill: Skill | None = None
        self._end: CallEndReason | None = None
        self._speech = self._config.speech
        self._listen: str | None = None
        self._offer: CallbackOffer | None = None
        self._screen: EmergencyScreen | None = None
        self._after_offer: tuple[str, ...] = ()  # the transfer prompts, if the caller goes on to the queue

    # ------------------------------------------------------------------------------------ public
    @property
    def state(self) -> MenuState:
        """The current state."""
        return self._state

    @property
    def finished(self) -> bool:
        """True once the flow emitted its :class:`ReportEnd`; it ignores every event from then on."""
        return self._end is not None

    @property
    def end_reason(self) -> CallEndReason | None:
        """How the IVR part ended (``None`` while running)."""
        return self._end

    @property
    def skill(self) -> Skill | None:
        """The queue the caller is headed to, once known."""
        return self._skill

    @property
    def listening(self) -> str | None:
        """The listen id of the running speech recognition, if any."""
        return self._listen

    @property
    def speech_enabled(self) -> bool:
        """Speech is configured and has not failed on this call."""
        return self._speech is not None

    @property
    def strikes(self) -> int:
        """Invalid inputs and timeouts so far."""
        return self._strikes

    def start(self, event: Started) -> list[Command]:
        """Begin the call: answer, then welcome (in hours) or the out-of-hours notice."""
        return self.handle(event)

    def handle(self, event: Event) -> list[Command]:
        """Feed one event; returns the commands to execute in order (often none)."""
        if self._end is not None:
            return []
        if isinstance(event, HungUp):
            return self._hung_up()
        if self._state is MenuState.IDLE:
            return self._started(event) if isinstance(event, Started) else []
        if self._state is MenuState.SCREEN and self._screen is not None:
            if isinstance(event, PlaybackFinished | CommandFailed) and self._is_playback(event):
                self._playback = None  # "请稍候" played out (or could not play): the screen goes on
                return []
            screened = self._screen.handle(event)
            if screened is not None:
                stop: list[Command] = [StopPlayback(self._playback)] if self._playback else []
                self._playback = None
                return stop + self._screened(screened.service)
            if not isinstance(event, CommandFailed):
                return []
        if self._state is MenuState.OFFER and self._offer is not None:
            commands, result = self._offer.handle(event)
            if result is not None:
                return commands + self._offer_over(result)
            if commands or not isinstance(event, CommandFailed):
                return commands
        if isinstance(event, PlaybackFinished):
            if event.playback_id != self._playback:
                return []
            self._playback = None
            return self._played()
        if isinstance(event, TimerFired):
            if event.timer_id != self._timer:
                return []
            self._timer = None
            return self._timer_fired()
        if isinstance(event, Dtmf):
            return self._dtmf(event.digit)
        if isinstance(event, SpeechRecognized | SpeechNoMatch):
            if event.listen_id != self._listen or self._listen is None:
                return []
            return self._heard(event)
        if isinstance(event, RecordingFinished):
            if event.name != self._recording:
                return []
            return self._recorded(event.duration_ms)
        if isinstance(event, RecordingFailed):
            if event.name != self._recording:
                return []
            return self._recorded(None, failed=True)
        if isinstance(event, CommandFailed):
            return self._command_failed(event)
        return []  # Started twice, or not an event at all

    # ------------------------------------------------------------------------------------ helpers
    def _new_id(self, kind: str) -> str:
        self._seq += 1
        new = f"{self._name}-{kind}-{self._seq}"
        self._issued.add(new)
        return new

    def _enter(self, state: MenuState) -> list[Command]:
        self._state = state
        commands: list[Command] = []
        if state not in LISTENING_STATES:  # the menu step ends: so does listening
            commands += self._stop_listening()
        if state in STEP_STATES and state.value != self._step:
            self._step = state.value
            commands.append(ReportStep(state.value))
        return commands

    def _menu(self, *notices: str) -> list[Command]:
        """Play the menu (after ``notices``) and make sure speech is being listened for."""
        prompt = self._p.menu if self._speech is None else self._speech.menu_prompt
        commands = self._play(MenuState.MENU, *notices, prompt)
        if self._speech is not None and self._listen is None:
            self._listen = self._new_id("listen")
            commands.append(StartListening(self._listen, self._speech.phrases.grammar))
        return commands

    def _stop_listening(self) -> list[Command]:
        if self._listen is None:
            return []
        listen, self._listen = self._listen, None
        return [StopListening(listen)]

    def _play(self, state: MenuState, *prompts: str) -> list[Command]:
        commands = self._enter(state)
        self._playback = self._new_id("pb")
        commands.append(Play(self._playback, tuple(prompts)))
        return commands

    def _start_timer(self, seconds: float) -> Command:
        self._timer = self._new_id("timer")
        return StartTimer(self._timer, seconds)

    def _record(self, state: MenuState, kind: str, max_seconds: int) -> list[Command]:
        commands = self._enter(state)
        self._recording = f"{self._name}-{kind}"
        self._issued.add(self._recording)
        commands.append(Record(self._recording, max_seconds, self._config.record_silence_s))
        commands.append(self._start_timer(max_seconds + self._config.record_guard_s))
        return commands

    def _transfer(self, skill: Skill, *prompts: str) -> list[Command]:
        self._skill = skill
        return self._play(MenuState.TRANSFER, *prompts)

    def _to_queue(self, skill: Skill, *prompts: str) -> list[Command]:
        """Towards the queue: through the callback offer when it is configured (once per call)."""
        offer_config = self._config.callback
        if offer_config is None or self._offer is not None:
            return self._transfer(skill, *prompts)
        self._skill = skill
        self._after_offer = prompts
        self._offer = CallbackOffer(offer_config, f"{self._name}-offer", skill)
        return self._enter(MenuState.OFFER) + self._offer.start()

    def _is_playback(self, event: PlaybackFinished | CommandFailed) -> bool:
        played = event.playback_id if isinstance(event, PlaybackFinished) else event.command_id
        return played is not None and played == self._playback

    def _screened(self, service: str | None) -> list[Command]:
        """The description was read: an emergency is told where to turn and goes to the front of the queue
        (no callback offer); anything else goes on towards the queue."""
        skill = self._skill or Skill.GENERAL
        if service is None:
            return self._to_queue(skill, self._p.thanks_transferring)
        marks = {PRIORITY_VARIABLE: EMERGENCY_PRIORITY, EMERGENCY_VARIABLE: service}
        return [ReportStep(f"emergency:{service}"), SetVariables(marks),
                *self._transfer(skill, f"emergency_{service}", self._p.transfer_agent)]  # fmt: skip

    def _offer_over(self, result: OfferResult) -> list[Command]:
        skill = self._skill or Skill.GENERAL
        if result is OfferResult.BOOKED:
            return [Hangup(), self._finish(CallEndReason.CALLBACK_REQUESTED)]
        if result is OfferResult.FAILED:
            return self._transfer(skill, self._p.sorry_technical, self._p.transfer_agent)
        return self._transfer(skill, *self._after_offer)

    def _finish(self, reason: CallEndReason) -> ReportEnd:
        self._end = reason
        self._state = MenuState.DONE
        self._playback = self._timer = self._recording = None
        return ReportEnd(reason)

    def _queue(self, skill: Skill, reason: CallEndReason = CallEndReason.QUEUED) -> list[Command]:
        self._skill = skill
        return [SetVariables({SKILL_VARIABLE: skill.value}), ContinueToQueue(skill), self._finish(reason)]

    # ------------------------------------------------------------------------------------ transitions
    def _started(self, event: Started) -> list[Command]:
        commands: list[Command] = [Answer()]
        if event.within_hours:
            commands += self._play(MenuState.WELCOME, self._p.welcome)
        else:
            commands += self._play(MenuState.OUT_OF_HOURS, self._p.out_of_hours)
        return commands

    def _played(self) -> list[Command]:
        state = self._state
        if state is MenuState.WELCOME:
            return self._menu()
        if state is MenuState.MENU:
            self._enter(MenuState.WAIT_DIGIT)
            return [self._start_timer(self._config.menu_timeout_s)]
        if state is MenuState.DESCRIBE:
            return self._record(MenuState.RECORDING, "matter", self._config.record_max_s)
        if state is MenuState.OUT_OF_HOURS:
            return self._record(MenuState.MESSAGE, "message", self._config.message_max_s)
        if state is MenuState.TRANSFER:
            return self._queue(self._skill or Skill.GENERAL)
        if state is MenuState.GOODBYE:
            return [Hangup(), self._finish(CallEndReason.MESSAGE_LEFT)]
        return []

    def _timer_fired(self) -> list[Command]:
        if self._state is MenuState.WAIT_DIGIT:
            return self._strike(self._p.timeout, "timeout")
        if self._state in (MenuState.RECORDING, MenuState.MESSAGE) and self._recording is not None:
            # Asterisk should have ended the recording at max_seconds: stop it and keep what is there.
            commands: list[Command] = [StopRecording(self._recording)]
            return commands + self._recorded(None)
        return []

    def _dtmf(self, digit: str) -> list[Command]:
        interrupted = self._interrupt_menu()
        if interrupted is None:
            return []  # digits outside the menu (e.g. '#' ending a recording) are not ours
        return interrupted + self._choose(digit)

    def _interrupt_menu(self) -> list[Command] | None:
        """Stop the menu's prompt or no-input timer for an input; ``None`` when not in the menu."""
        if self._state in (MenuState.WELCOME, MenuState.MENU) and self._playback is not None:
            commands: list[Command] = [StopPlayback(self._playback)]
            self._playback = None
            return commands
        if self._state is MenuState.WAIT_DIGIT and self._timer is not None:
            commands = [CancelTimer(self._timer)]
            self._timer = None
            return commands
        return None

    def _heard(self, event: SpeechRecognized | SpeechNoMatch) -> list[Command]:
        """The result of the running listen (one per listen)."""
        speech = self._speech
        if speech is None or self._state not in LISTENING_STATES:
            return []
        interrupted = self._interrupt_menu()
        if interrupted is None:
            return []
        if isinstance(event, SpeechRecognized):
            meaning = interpret(speech.phrases, event.text, event.confidence, speech.min_confidence)
            if meaning.verdict is Verdict.MATCH and meaning.phrase is not None:
                return [*interrupted, ReportStep(speech_step(meaning.phrase.phrase)),
                        *self._choose(meaning.phrase.key)]  # fmt: skip
        # a miss: this listen is over; the repeated menu listens afresh
        return [*interrupted, *self._stop_listening(), *self._strike(speech.no_match_prompt, NO_MATCH_STEP)]

    def _choose(self, digit: str) -> list[Command]:
        skill = DIGIT_SKILLS.get(digit)
        if skill is not None:
            self._skill = skill
            return [ReportChoice(skill), *self._play(MenuState.DESCRIBE, self._p.describe)]
        if digit == AGENT_DIGIT:
            return [ReportChoice(Skill.GENERAL), *self._to_queue(Skill.GENERAL, self._p.transfer_agent)]
        if digit == REPEAT_DIGIT:
            return self._menu()
        return self._strike(self._p.invalid, f"invalid:{digit}")

    def _strike(self, notice: str, step: str) -> list[Command]:
        """An invalid key or no key in time: reported as a step (``invalid:7``, ``timeout``)."""
        self._strikes += 1
        commands: list[Command] = [ReportStep(step)]
        if self._strikes >= self._config.max_attempts:
            return commands + self._transfer(Skill.GENERAL, notice, self._p.transfer_agent)
        return commands + self._menu(notice)

    def _recorded(self, duration_ms: int | None, *, failed: bool = False) -> list[Command]:
        name = self._recording
        if name is None:
            return []
        self._recording = None
        commands: list[Command] = []
        if self._timer is not None:
            commands.append(CancelTimer(self._timer))
        self._timer = None
        has_audio = not failed and (duration_ms is None or duration_ms > 0)
        if has_audio:
            commands.append(ReportRecording(name, duration_ms))
        if self._state is MenuState.RECORDING:
            skill = self._skill or Skill.GENERAL
            if failed:
                return commands + self._transfer(skill, self._p.sorry_technical, self._p.transfer_agent)
            if has_audio and self._config.screen_emergencies:
                self._screen = EmergencyScreen(self._name, name)
                commands += self._play(MenuState.SCREEN, self._p.please_hold)  # the caller hears something
                return commands + self._screen.start()
            return commands + self._to_queue(skill, self._p.thanks_transferring)
        # out-of-hours message
        if has_audio:
            return commands + self._play(MenuState.GOODBYE, self._p.message_recorded)
        if failed:
            return commands + self._transfer(Skill.GENERAL, self._p.sorry_technical, self._p.transfer_agent)
        return commands + self._transfer(Skill.GENERAL, self._p.transfer_agent)

    def _hung_up(self) -> list[Command]:
        commands = self._stop_listening()
        if self._timer is not None:
            commands.append(CancelTimer(self._timer))
        if self._recording is not None:
            # Keep what the caller said before hanging up (like voicemail): stop, and report it.
            commands += [StopRecording(self._recording), ReportRecording(self._recording, None)]
        if self._state is MenuState.OFFER and self._offer is not None:
            commands += self._offer.stop()
            if self._offer.booked:  # they pressed 1 and hung up without waiting for the goodbye
                return [*commands, self._finish(CallEndReason.CALLBACK_REQUESTED)]
        commands.append(self._finish(CallEndReason.CALLER_HUNG_UP))
        return commands

    def _command_failed(self, event: CommandFailed) -> list[Command]:
        failed = event.command_id
        if failed is not None and failed == self._playback:  # e.g. a missing sound file: skip the prompt
            self._playback = None
            return self._played()
        if failed is not None and failed == self._recording:
            return self._recorded(None, failed=True)
        if failed is not None and failed == self._timer:
            self._timer = None
            return self._timer_fired()
        if failed is not None and failed == self._listen:  # cannot listen: keys only from now on
            self._listen = None
            self._speech = None
            return []
        if failed is not None and failed in self._issued:
            return []  # stale: e.g. stopping a playback that had just finished
        # Anything else (Answer, SetVariables …, or an unknown id): give up on the IVR, let a human take it.
        commands = self._stop_listening()
        if self._timer is not None:
            commands.append(CancelTimer(self._timer))
        if self._recording is not None:
            commands.append(StopRecording(self._recording))
        if self._state is MenuState.GOODBYE:  # the message is already recorded and reported
            return [*commands, Hangup(), self._finish(CallEndReason.MESSAGE_LEFT)]
        return commands + self._queue(self._skill or Skill.GENERAL, CallEndReason.FAILED)
