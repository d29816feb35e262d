"""Statistics (R-STAT, R-RATES) and department scoring (R-SCORE).

Pure computation (``periods``, ``timeline``, ``rates``, ``scoring``, ``export``) is kept apart from the
SQL that feeds it (``queries``): the pure modules work on plain rows and are unit-tested without a
database; :mod:`ticketing.statistics.service` wires the two together.
"""
