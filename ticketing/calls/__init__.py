"""Inbound calls and the ticket drafts they produce: what the IVR reports (``service``), what speech
recognition fills in (``drafts``)."""
