"""Working days (R-TL): the pure calendar with 调休 (``workdays``), admin overrides stored in the database."""
