"""REST API v1: one router module per resource, assembled by ``api.app.create_api``."""
