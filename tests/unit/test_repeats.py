"""Repeat matters (并单), pure rules: similarity measures, category families, the window, ranking."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ticketing.knowledge.tokens import tokenize
from ticketing.repeats.similarity import (
    Family,
    Matter,
    Measure,
    RepeatRules,
    cosine,
    family,
    in_window,
    jaccard,
    judge,
    matter_tokens,
    rank,
    same_family,
    similarity,
)

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
PHONE = "+8613800138000"


def tokens(text: str) -> tuple[str, ...]:
    return matter_tokens(tokenize(text))


def matter(
    text: str,
    *,
    days_ago: float = 0,
    phone: str | None = PHONE,
    category: str = "complaint",
    number: str | None = None,
) -> Matter:
    return Matter(
        id=uuid.uuid4(),
        number=number or f"N{days_ago}",
        caller_phone=phone,
        category=category,
        created_at=NOW - timedelta(days=days_ago),
        tokens=tokens(text),
    )


NOISE = "夜间施工噪音 小区旁工地夜间施工，噪音扰民。"
NOISE_AGAIN = "工地夜间施工噪音 上次反映了，工地晚上还在施工，噪音扰民睡不着"
SOCIAL_CARD = "社保卡补办 社保卡丢了，怎么补办？"


# -- measures ----------------------------------------------------------------------------------------


def test_jaccard_counts_distinct_tokens() -> None:
    assert jaccard(["a", "b", "b"], ["b", "c"]) == pytest.approx(1 / 3)
    assert jaccard([], []) == 0.0
    assert jaccard(["a"], ["a", "a"]) == 1.0


def test_cosine_weighs_repeated_tokens() -> None:
    assert cosine(["a", "a"], ["a"]) == pytest.approx(1.0)
    assert cosine(["a", "b"], ["a", "c"]) == pytest.approx(0.5)
    assert cosine(["a", "a", "b"], ["a", "b", "b"]) == pytest.approx(0.8)
    assert cosine([], ["a"]) == 0.0


def test_report_words_do_not_make_two_complaints_alike() -> None:
    assert "反映" in tokenize("上次反映的问题")
    assert tokens("上次反映的问题还是没人管") == ()


def test_similarity_of_the_same_matter_in_other_words_is_high_and_of_another_is_zero() -> None:
    same = similarity(tokens(NOISE), tokens(NOISE_AGAIN))
    other = similarity(tokens(NOISE), tokens(SOCIAL_CARD))
    assert same.jaccard >= 0.25
    assert same.cosine > same.jaccard
    assert {"施工", "噪音", "工地"} <= set(same.shared)
    assert (other.jaccard, other.cosine, other.shared) == (0.0, 0.0, ())


# -- families ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("complaint", "report", True),
        ("complaint", "help", True),
        ("consult", "consult", True),
        ("consult", "complaint", False),
        ("suggestion", "praise", False),
        ("other", "praise", True),
        ("complaint", "other", True),
    ],
)
def test_category_families(a: str, b: str, same: bool) -> None:
    assert same_family(a, b) is same
    assert same_family(b, a) is same


def test_every_category_has_a_family() -> None:
    from ticketing.categories import Category

    assert {family(c) for c in Category} == set(Family)


# -- window ----------------------------------------------------------------------------------------


def test_window_is_inclusive_and_only_looks_back() -> None:
    window = timedelta(days=30)
    assert in_window(NOW - window, NOW, window)
    assert in_window(NOW, NOW, window)
    assert not in_window(NOW - window - timedelta(seconds=1), NOW, window)
    assert not in_window(NOW + timedelta(seconds=1), NOW, window)


def test_rules_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="window_days"):
        RepeatRules(window_days=0)
    with pytest.raises(ValueError, match="threshold"):
        RepeatRules(threshold=0)
    assert RepeatRules().window == timedelta(days=30)


# -- judging -----------------------------------------------------------------------------------------


def test_same_caller_same_matter_in_the_window_is_a_candidate() -> None:
    found = judge(matter(NOISE_AGAIN), matter(NOISE, days_ago=12), RepeatRules())
    assert found is not None
    assert found.score == found.similarity.jaccard


def test_same_caller_other_matter_is_not() -> None:
    assert judge(matter(SOCIAL_CARD), matter(NOISE, days_ago=3), RepeatRules()) is None


def test_other_caller_or_no_caller_is_not() -> None:
    rules = RepeatRules()
    assert judge(matter(NOISE_AGAIN), matter(NOISE, days_ago=3, phone="+8613900139000"), rules) is None
    assert judge(matter(NOISE_AGAIN, phone=None), matter(NOISE, days_ago=3, phone=None), rules) is None


def test_outside_the_window_is_not_unless_the_window_is_wider() -> None:
    earlier = matter(NOISE, days_ago=31)
    assert judge(matter(NOISE_AGAIN), earlier, RepeatRules()) is None
    assert judge(matter(NOISE_AGAIN), earlier, RepeatRules(window_days=45)) is not None


def test_a_later_ticket_is_never_a_candidate_of_an_earlier_one() -> None:
    assert judge(matter(NOISE, days_ago=5), matter(NOISE_AGAIN, days_ago=1), RepeatRules()) is None


def test_another_category_family_is_not() -> None:
    assert judge(matter(NOISE_AGAIN), matter(NOISE, days_ago=2, category="consult"), RepeatRules()) is None
    assert judge(matter(NOISE_AGAIN), matter(NOISE, days_ago=2, category="other"), RepeatRules()) is not None


def test_threshold_and_measure_are_configurable() -> None:
    new, earlier = matter(NOISE_AGAIN), matter(NOISE, days_ago=2)
    value = similarity(new.tokens, earlier.tokens)
    assert judge(new, earlier, RepeatRules(threshold=min(1.0, value.jaccard + 0.01))) is None
    by_cosine = judge(new, earlier, RepeatRules(threshold=value.cosine, measure=Measure.COSINE))
    assert by_cosine is not None
    assert by_cosine.score == value.cosine


def test_rank_puts_the_most_similar_first_and_drops_the_rest() -> None:
    new = matter(NOISE_AGAIN)
    exact = matter(NOISE_AGAIN, days_ago=20, number="A")
    close = matter(NOISE, days_ago=2, number="B")
    other = matter(SOCIAL_CARD, days_ago=1, number="C")
    assert [c.matter.number for c in rank(new, [other, close, exact], RepeatRules())] == ["A", "B"]
