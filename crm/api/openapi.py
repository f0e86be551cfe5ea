"""The OpenAPI 3.1 description of the JSON API, served at /api/v1/openapi.json."""
from __future__ import annotations

from crm.api.schema import ENQUIRY_SCHEMA

ERROR_LIST = {
    "type": "object", "required": ["errors"],
    "properties": {"errors": {"type": "array", "items": {
        "type": "object", "required": ["field", "message"],
        "properties": {"field": {"type": ["string", "null"], "description": "The body field, dotted for nested ones; "
                                                                           "null for the body as a whole."},
                       "message": {"type": "string"}}}}},
}
RECEIPT = {
    "type": "object", "required": ["id", "household_reference", "received_at", "first_response_due_at"],
    "properties": {
        "id": {"type": "integer", "description": "The enquiry contact's id."},
        "household_reference": {"type": "string", "description": "The household the enquiry is recorded on."},
        "received_at": {"type": "string", "format": "date-time"},
        "first_response_due_at": {"type": "string", "format": "date-time",
                                  "description": "When the service will have replied by (working days)."},
    },
}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorList"}}}}


def document(service_name: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{service_name} enquiries API", "version": "1.0.0",
                 "description": "Send enquiries from the agency's website into Hearth. Each accepted enquiry is "
                                "stored once: send an Idempotency-Key with every submission and repeat it on a retry."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerToken": []}],
        "paths": {"/enquiries": {"post": {
            "operationId": "createEnquiry",
            "summary": "Record an enquiry",
            "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                            "schema": {"type": "string", "minLength": 1, "maxLength": 100},
                            "description": "A key unique to this submission (a UUID), per token. A retry with the same "
                                           "key and the same body returns the enquiry already stored, with status "
                                           "200; the same key with a different body is refused (422)."}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Enquiry"}}}},
            "responses": {
                "201": {"description": "Stored.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Receipt"}}}},
                "200": {"description": "Already stored under this idempotency key: nothing new was stored.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}}},
                "401": _error("No token, or a token that is unknown or revoked."),
                "415": _error("The body is not JSON."),
                "422": _error("The body is not a valid enquiry: every problem, by field; or its idempotency key was "
                              "already used for a different body."),
                "429": _error("Too many requests for this token; retry after the Retry-After header's seconds."),
            },
        }}},
        "components": {
            "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer",
                                                "description": "A token an administrator creates in Hearth "
                                                               "(Administration > API tokens)."}},
            "schemas": {"Enquiry": ENQUIRY_SCHEMA, "Receipt": RECEIPT, "ErrorList": ERROR_LIST},
        },
    }
