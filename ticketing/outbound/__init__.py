"""Calls the hotline places itself: 回访 surveys, queue callbacks, missed-call callbacks — jobs and attempts
kept in the database (a crash never forgets a due job nor dials one attempt twice), calling windows on
the working-day calendar. The dialer that places them over AMI is ``agent_bridge.dialer``."""
