"""The monthly report (通报, R-STAT): the month's statistics, scores and hot topics as HTML and PDF.

:mod:`~ticketing.reports.data` gathers the numbers through :class:`~ticketing.statistics.service.
StatisticsService` (so they are exactly those of ``/statistics`` and ``/scores``) into a plain
:class:`~ticketing.reports.data.MonthlyReport`; :mod:`~ticketing.reports.topics` finds the hot topics;
:mod:`~ticketing.reports.text` holds the shared wording; :mod:`~ticketing.reports.charts` draws the
matplotlib figures; :mod:`~ticketing.reports.html` and :mod:`~ticketing.reports.pdf` render documents.
Nothing below ``data`` touches the database.
"""
