"""Twilio as the alternative provider of 回访 survey calls, and the SMS receipt after 登记.

- :mod:`.config` — the account, the public URL Twilio calls back on, and the REST client.
- :mod:`.twiml` — the survey as TwiML, a pure state machine over ``<Gather>`` keys.
- :mod:`.webhooks` — the signed webhooks Twilio calls (the survey, call status, SMS status).
- :mod:`.calls` — placing a survey call through the REST API (the dialer's ``SurveyCalls``).
- :mod:`.models`, :mod:`.sms` — SMS receipts: the table, the queue and sending.

Read ``docs/twilio.md`` for the settings and the rules Twilio imposes.
"""
