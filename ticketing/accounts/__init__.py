"""Accounts: users, roles and bearer tokens; :class:`~ticketing.accounts.actor.Actor` is who acts in every
service call."""
