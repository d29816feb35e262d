"""Supervision (督办, R-SUP): the overview of what needs a leader's eye, and the daily overdue marks."""
