"""The monthly report (通报, R-STAT): the month's statistics, scores and hot topics as HTML and PDF.

:mod:`~ticketing.report.data` gathers the numbers through :class:`~ticketing.services.statistics.
StatisticsService` (so they are exactly those of ``/statistics`` and ``/scores``) into a plain
:class:`~ticketing.report.data.MonthlyReport`; :mod:`~ticketing.report.topics` finds the hot topics;
:mod:`~ticketing.report.text` holds the shared wording; :mod:`~ticketing.report.charts` draws the
matplotlib figures; :mod:`~ticketing.report.html` and :mod:`~ticketing.report.pdf` render documents.
Nothing below ``data`` touches the database.
"""
