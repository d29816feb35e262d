"""Agents (话务员) at their phones: which phone and skills an account has, whether it is logged in, ready,
paused (with a reason) or in 后处理, and the history of those states. The Asterisk side lives in
``agent_bridge``."""
