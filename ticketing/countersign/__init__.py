"""会签: co-units' acceptance and replies, and whether the lead unit must wait for them."""
