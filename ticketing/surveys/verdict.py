"""What a 回访 answer means for the ticket. Pure.

Q1 问题是否解决 and Q2 满意度 become the callback action's two satisfactions: the process satisfaction is
Q2 as given; the result satisfaction is 不满意 when the matter is unsolved or Q2 is 不满意 (R-REDO: either
sends the ticket back for 重办), otherwise Q2.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketing.tickets.lifecycle import Satisfaction

SOLVED_KEYS = {"1": True, "2": False}
"""Q1 keys: 1 已解决, 2 未解决."""

SATISFACTION_KEYS = {
    "1": Satisfaction.SATISFIED,
    "2": Satisfaction.BASICALLY_SATISFIED,
    "3": Satisfaction.UNSATISFIED,
}
"""Q2 keys: 1 满意, 2 基本满意, 3 不满意."""

_SATISFACTION_ZH = {
    Satisfaction.VERY_SATISFIED: "非常满意",
    Satisfaction.SATISFIED: "满意",
    Satisfaction.BASICALLY_SATISFIED: "基本满意",
    Satisfaction.UNSATISFIED: "不满意",
}


@dataclass(frozen=True)
class Verdict:
    """The callback a complete answer makes."""

    satisfaction: Satisfaction  # 过程满意度 (Q2)
    result_satisfaction: Satisfaction  # 结果满意度: decides archive or 重办
    reason: str  # written into the ticket's history

    @property
    def redo(self) -> bool:
        """The ticket goes back for 重办."""
        return self.result_satisfaction is Satisfaction.UNSATISFIED


def verdict(solved: bool, satisfaction: Satisfaction, comment: str | None = None) -> Verdict:
    """The callback for Q1 ``solved`` and Q2 ``satisfaction`` (and the comment's transcript, if any)."""
    result = (
        Satisfaction.UNSATISFIED if not solved or satisfaction is Satisfaction.UNSATISFIED else satisfaction
    )
    reason = f"电话自动回访：问题{'已' if solved else '未'}解决；满意度：{_SATISFACTION_ZH[satisfaction]}"
    if comment:
        reason += f"；市民意见：{comment}"
    return Verdict(satisfaction, result, reason[:1000])
