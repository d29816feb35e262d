"""Speech in the menu: a phrase list (grammar) that stands for menu keys, and what a recognition means.

Pure data and functions, no I/O. A :class:`PhraseList` maps each phrase of one language to the DTMF key
it stands for (``"咨询"`` → ``"1"``): a recognised phrase is then handled exactly like that key press, so
speech adds no branch of its own to the menu. The phrase lists themselves live in the prompt catalogue
(``ivr.prompts.catalogue.SPEECH_PHRASES``), next to the menu prompt that names them.

Matching ignores spacing: recognisers put spaces between words (``人工 服务``), callers' phrase lists may
not; ``"人工服务"``, ``"人工 服务"`` and ``" 人工  服务 "`` are the same phrase.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

UNKNOWN_WORD = "[unk]"
"""What a grammar recogniser says for speech that is none of the phrases (Vosk's catch-all)."""

NO_MATCH_STEP = "speech:nomatch"
"""The menu step reported for a recognition that matched no phrase (like ``invalid:<key>`` for keys)."""


def speech_step(phrase: str) -> str:
    """The menu step reported for a recognised phrase: ``speech:<phrase>``."""
    return f"speech:{phrase}"


def phrase_key(text: str) -> str:
    """The spacing-free form phrases are compared in."""
    return "".join(text.split())


@dataclass(frozen=True, slots=True)
class SpeechPhrase:
    """One phrase of the grammar (words separated by single spaces) and the menu key it stands for."""

    phrase: str
    key: str

    def __post_init__(self) -> None:
        if " ".join(self.phrase.split()) != self.phrase or not self.phrase:
            raise ValueError(f"phrase {self.phrase!r} must be words separated by single spaces")
        if self.phrase == UNKNOWN_WORD:
            raise ValueError(f"{UNKNOWN_WORD} is the recogniser's catch-all, not a phrase")
        if len(self.key) != 1:
            raise ValueError(f"phrase {self.phrase!r}: key {self.key!r} must be one DTMF key")


@dataclass(frozen=True, slots=True)
class PhraseList:
    """The phrases of one language, in grammar order; at least one, no two the same (spacing ignored)."""

    language: str
    phrases: tuple[SpeechPhrase, ...]

    def __post_init__(self) -> None:
        if not self.phrases:
            raise ValueError(f"the {self.language!r} phrase list is empty")
        keys = [phrase_key(p.phrase) for p in self.phrases]
        if len(set(keys)) != len(keys):
            raise ValueError(f"the {self.language!r} phrase list has a phrase twice")

    @classmethod
    def of(cls, language: str, mapping: Mapping[str, str] | Iterable[tuple[str, str]]) -> PhraseList:
        """From ``phrase → key`` pairs (e.g. a catalogue entry)."""
        pairs = mapping.items() if isinstance(mapping, Mapping) else mapping
        return cls(language, tuple(SpeechPhrase(" ".join(p.split()), k) for p, k in pairs))

    @property
    def grammar(self) -> tuple[str, ...]:
        """The phrases as the recogniser's grammar."""
        return tuple(p.phrase for p in self.phrases)

    @property
    def keys(self) -> frozenset[str]:
        """Every menu key some phrase stands for."""
        return frozenset(p.key for p in self.phrases)

    def find(self, text: str) -> SpeechPhrase | None:
        """The phrase ``text`` is (spacing ignored), or ``None``."""
        wanted = phrase_key(text)
        if not wanted:
            return None
        return next((p for p in self.phrases if phrase_key(p.phrase) == wanted), None)


class Verdict(StrEnum):
    """What one final recognition result means for a listening menu."""

    MATCH = "match"  # one of the phrases
    NO_MATCH = "no_match"  # speech, but not a phrase (``[unk]``, a word salad, too unsure)
    NOTHING = "nothing"  # no words at all (silence endpoint): keep listening, the menu timer decides


@dataclass(frozen=True, slots=True)
class Interpretation:
    """:func:`interpret`'s answer; ``phrase`` is set for :attr:`Verdict.MATCH`."""

    verdict: Verdict
    phrase: SpeechPhrase | None = None


def hear(grammar: Iterable[str], text: str) -> tuple[Verdict, str | None]:
    """What a final result ``text`` is for a listen with ``grammar``: ``(MATCH, the phrase as in the
    grammar)``, ``(NO_MATCH, None)`` or ``(NOTHING, None)``.

    Empty text is :attr:`Verdict.NOTHING`, not a miss: a grammar recogniser ends an utterance of pure
    silence with an empty result, and a caller silently listening to the menu must not get a strike for
    it (the menu's no-input timer handles silence). ``[unk]`` anywhere, or a word sequence that is no
    phrase (grammar recognisers may string phrase words together), is :attr:`Verdict.NO_MATCH`.
    """
    words = text.split()
    if not words:
        return Verdict.NOTHING, None
    if UNKNOWN_WORD in words:
        return Verdict.NO_MATCH, None
    wanted = phrase_key(text)
    phrase = next((p for p in grammar if phrase_key(p) == wanted), None)
    return (Verdict.NO_MATCH, None) if phrase is None else (Verdict.MATCH, phrase)


def interpret(
    phrases: PhraseList, text: str, confidence: float, min_confidence: float = 0.0
) -> Interpretation:
    """What a final result (``text``, lowest word ``confidence``) means for a menu listening for ``phrases``
    (see :func:`hear`); a match less sure than ``min_confidence`` is a miss."""
    verdict, phrase = hear(phrases.grammar, text)
    if verdict is not Verdict.MATCH or phrase is None:
        return Interpretation(verdict)
    if confidence < min_confidence:
        return Interpretation(Verdict.NO_MATCH)
    return Interpretation(Verdict.MATCH, phrases.find(phrase))


@dataclass(frozen=True, slots=True)
class SpeechConfig:
    """The speech part of the menu (``MenuConfig.speech``; ``None`` there = DTMF only).

    ``menu_prompt`` replaces the menu prompt (it invites the caller to speak), ``no_match_prompt`` is the
    notice before the menu is repeated after a miss. ``min_confidence`` (0-1) turns unsure matches into
    misses.
    """

    phrases: PhraseList
    menu_prompt: str = "menu_speech"
    no_match_prompt: str = "speech_no_match"
    min_confidence: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError("min_confidence must be between 0 and 1")

    @property
    def prompt_ids(self) -> tuple[str, ...]:
        """The prompts speech adds to the menu."""
        return (self.menu_prompt, self.no_match_prompt)
