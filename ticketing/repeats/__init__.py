"""Repeat matters (并单): the pure similarity rule, same-caller candidates, the ``merged_into`` link."""
