"""The Asterisk Manager Interface: messages and their quirks (``messages``), typed events (``events``),
actions (``actions``), which answer belongs to which action (``responses``) — all pure — and the supervised
connection (``connection``) on panoramisk's protocol."""
