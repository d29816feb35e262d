"""The REST API (FastAPI) over the ticketing service layer: ``/api/v1``."""
