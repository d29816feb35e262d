"""The department inbox: a unit's work for the day, grouped (待签收, 办理中/承诺, 会签)."""
