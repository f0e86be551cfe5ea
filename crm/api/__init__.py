"""The JSON API for website integrations: `POST /api/v1/enquiries` with an API token, described by OpenAPI 3.1."""
