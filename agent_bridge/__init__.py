"""The Asterisk AMI side: the connection (``ami``), agents at their phones, the queued calls and the
screen pop, the wallboard. Everything it stores goes through ``ticketing``'s services."""
