"""The HTTP API of flywheel-kg (FastAPI). Routes arrive with the API issue; nothing is served yet."""
