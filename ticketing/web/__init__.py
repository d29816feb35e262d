"""Web pages (Chinese UI) served by the API process under ``/ui``: plain HTML + JS over the REST API.

The pages hold no logic of their own: they log in with ``POST /api/v1/auth/token``, keep the token in
``sessionStorage`` and call the same endpoints (and get the same typed errors) as any API client.
"""
