"""回访 surveys (R-CB, R-REDO): what the citizen answered for each matter, and the effect of the answers
on the ticket's lifecycle (solved and satisfied → 归档; unsolved or unsatisfied → 重办 to the unit)."""
