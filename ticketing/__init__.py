"""The 12345 work order (工单): models, lifecycle, working-day deadlines, departments and the REST API.

``ticketing`` knows nothing about Asterisk; the telephony packages call its service layer.
"""
