"""The enquiry body of `POST /api/v1/enquiries`: its JSON Schema (published in the OpenAPI document) and
its checking, which reuses the public form's rules and messages so both give the same answers."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from crm.enquiries.models import ContactMethod
from crm.enquiries.services import EnquiryDetails
from crm.errors import DomainError
from crm.extensions import db
from crm.funnel.service_lines import ServiceLineCode
from crm.households.models import ServiceLine
from crm.marketing.models import Channel
from crm.public.forms import EnquirerFields


# Control characters are refused in every text (PostgreSQL cannot store NUL, and none belongs in a name); a message
# may have line breaks and tabs.
SINGLE_LINE = "^[^\\u0000-\\u001f\\u007f]*$"
MULTI_LINE = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"
# The earliest date an enquiry may carry: anything before is a typing error (and year 1 overflows in UTC).
EARLIEST_RECEIVED = 2000


def _text(max_length: int, description: str, *, min_length: int = 0, pattern: str = SINGLE_LINE) -> dict:
    limits = {"minLength": min_length} if min_length else {}
    return {"type": "string", **limits, "maxLength": max_length, "pattern": pattern, "description": description}


ENQUIRY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["first_name", "last_name", "service_lines"],
    "anyOf": [{"required": ["email"]}, {"required": ["phone"]}],
    "description": "One enquiry. Give an email address, a phone number, or both.",
    "properties": {
        "first_name": _text(100, "The enquirer's first name.", min_length=1),
        "last_name": _text(100, "The enquirer's last name.", min_length=1),
        "email": {**_text(254, "Email address to reply to."), "format": "email"},
        "phone": _text(40, "Phone number: digits, spaces, +, ( ) and - (9 to 15 digits).",
                       pattern="^[ ()+\\-]*([0-9][ ()+\\-]*){9,15}$"),
        "postcode": _text(10, "UK postcode."),
        "second_applicant": {
            "type": "object", "additionalProperties": False, "required": ["first_name", "last_name"],
            "description": "A second person applying with the enquirer, such as a partner.",
            "properties": {"first_name": _text(100, "First name.", min_length=1),
                           "last_name": _text(100, "Last name.", min_length=1)},
        },
        "service_lines": {
            "type": "array", "minItems": 1, "uniqueItems": True,
            "items": {"type": "string", "enum": [line.value for line in ServiceLineCode]},
            "description": "What the enquirer is interested in.",
        },
        "message": _text(4000, "What the enquirer wrote.", pattern=MULTI_LINE),
        "channel": _text(241, "How they heard: a channel of the service's taxonomy, by name or as "
                              "'parent > child' (for example 'digital > Facebook'). Case does not matter."),
        "campaign": _text(200, "The campaign the enquirer or the website attributes the enquiry to."),
        "utm": {
            "type": "object", "additionalProperties": False,
            "description": "The UTM tags of the link that brought the enquirer to the website.",
            "properties": {name: _text(200, f"utm_{name}") for name in ("source", "medium", "campaign")},
        },
        "referrer": _text(500, "The page that referred the enquirer."),
        "received_at": {"type": "string", "format": "date-time", "maxLength": 40,
                        "description": "When the enquiry was made, with a time zone offset; default: now. "
                                       f"Never in the future, nor before {EARLIEST_RECEIVED}."},
        "idempotency_key": _text(100, "Same as the Idempotency-Key header; the header wins if both are given."),
    },
}
# An optional member may be sent as null: the same as leaving it out.
for _name, _member in ENQUIRY_SCHEMA["properties"].items():
    if _name not in ENQUIRY_SCHEMA["required"]:
        _member["type"] = [_member["type"], "null"]
NESTED = {"second_applicant": ("first_name", "last_name"), "utm": ("source", "medium", "campaign")}
# Body path -> the form field that checks it, where they differ.
FORM_FIELDS = {"second_applicant.first_name": "second_first_name", "second_applicant.last_name": "second_last_name"}
BODY_PATHS = {form: body for body, form in FORM_FIELDS.items()}


def parse(body, idempotency_header: str | None, token_id: int) -> EnquiryDetails:
    """The enquiry the body describes, or a DomainError naming every field that is wrong. The idempotency key is
    the token's own: another token's same key is another submission."""
    if not isinstance(body, dict):
        raise DomainError("The body must be a JSON object")
    errors = _shape_errors(body)
    if errors:
        raise _refused(errors)
    form = EnquirerFields(formdata=_formdata(body), meta={"csrf": False})
    form.service_lines.choices = [(code, code) for code in db.session.scalars(select(ServiceLine.code))]
    form.validate()
    errors = [{"field": BODY_PATHS.get(name, name), "message": message}
              for name, messages in form.errors.items() for message in messages]
    errors += _length_errors(body)
    channel_id = _channel_id(body.get("channel"), errors)
    received_at = _received_at(body.get("received_at"), errors)
    key = idempotency_header if idempotency_header is not None else body.get("idempotency_key")
    if key is not None and not (0 < len(key) <= 100):
        errors.append({"field": "idempotency_key", "message": "The idempotency key must be 1 to 100 characters"})
    if errors:
        raise _refused(errors)
    second = body.get("second_applicant")
    return EnquiryDetails(
        first_name=form.first_name.data, last_name=form.last_name.data, service_lines=form.service_lines.data,
        method=ContactMethod.WEB, email=form.email.data or None, phone=form.phone.data or None,
        postcode=form.postcode.data or None,
        second_applicant=((form.second_first_name.data, form.second_last_name.data)
                          if second and form.second_first_name.data else None),
        channel_id=channel_id, campaign=body.get("campaign") or None, utm=dict(body.get("utm") or {}),
        referrer=body.get("referrer") or None, notes=form.message.data or None, received_at=received_at,
        idempotency_key=_scoped_key(token_id, key) if key else None,
        idempotency_fingerprint=_fingerprint(body) if key else None)


def _scoped_key(token_id: int, key: str) -> str:
    """The key as stored: hashed with its token's id (fits the column whatever the key's length)."""
    return "api:" + hashlib.sha256(f"{token_id}:{key}".encode()).hexdigest()


def _fingerprint(body: dict) -> str:
    """What the submission says, whatever the order of its members; the key itself is not part of it."""
    said = {name: value for name, value in body.items() if name != "idempotency_key"}
    return hashlib.sha256(json.dumps(said, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _refused(errors: list[dict]) -> DomainError:
    return DomainError.several((error["field"], error["message"]) for error in errors)


def _shape_errors(body: dict) -> list[dict]:
    """Types and unknown fields: what JSON Schema would say, in words an integrator can act on."""
    errors = []
    properties = ENQUIRY_SCHEMA["properties"]
    for name in body.keys() - properties.keys():
        errors.append({"field": name, "message": "Unknown field"})
    for name in ENQUIRY_SCHEMA["required"]:
        if body.get(name) in (None, "", []):
            errors.append({"field": name, "message": f"{name} is required"})
    for name, value in body.items():
        if name not in properties or value is None:
            continue
        kind = _kind(properties[name])
        if kind == "string" and not isinstance(value, str):
            errors.append({"field": name, "message": "Must be a string"})
        elif kind == "array" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            errors.append({"field": name, "message": "Must be a list of strings"})
        elif kind == "object":
            errors.extend(_object_errors(name, value))
    return errors or _control_errors(body)


def _texts(body: dict) -> list[tuple[str, dict, str]]:
    """(path, schema, value) of every text in the body, nested ones included."""
    properties = ENQUIRY_SCHEMA["properties"]
    texts = [(name, properties[name], value) for name, value in body.items() if isinstance(value, str)]
    return texts + [(f"{name}.{key}", properties[name]["properties"][key], value) for name in NESTED
                    if isinstance(body.get(name), dict) for key, value in body[name].items() if isinstance(value, str)]


def _control_errors(body: dict) -> list[dict]:
    """Texts with control characters: refused before anything else reads them (a NUL cannot reach PostgreSQL)."""
    return [{"field": path, "message": "Must not contain control characters"} for path, schema, value in _texts(body)
            if not re.fullmatch(MULTI_LINE if schema.get("pattern") == MULTI_LINE else SINGLE_LINE, value)]


def _length_errors(body: dict) -> list[dict]:
    """Texts past their schema's length, for the fields no form checks (the form words its own)."""
    checked_by_form = {"first_name", "last_name", "email", "phone", "postcode", "message", *FORM_FIELDS}
    return [{"field": path, "message": f"Must be {schema['maxLength']} characters or fewer"}
            for path, schema, value in _texts(body) if path not in checked_by_form and len(value) > schema["maxLength"]]


def _kind(member: dict) -> str:
    """A member's JSON type, leaving out the null an optional one may also be."""
    kinds = member["type"] if isinstance(member["type"], list) else [member["type"]]
    return next(kind for kind in kinds if kind != "null")


def _object_errors(name: str, value) -> list[dict]:
    if not isinstance(value, dict):
        return [{"field": name, "message": "Must be an object"}]
    errors = [{"field": f"{name}.{key}", "message": "Unknown field"} for key in value.keys() - set(NESTED[name])]
    errors += [{"field": f"{name}.{key}", "message": "Must be a string"}
               for key in NESTED[name] if key in value and not isinstance(value[key], str)]
    required = ENQUIRY_SCHEMA["properties"][name].get("required", ())
    errors += [{"field": f"{name}.{key}", "message": f"{key} is required"} for key in required if not value.get(key)]
    return errors


def _formdata(body: dict) -> MultiDict:
    pairs = [(name, body[name]) for name in ("first_name", "last_name", "email", "phone", "postcode", "message")
             if body.get(name) is not None]
    pairs += [("service_lines", line) for line in body.get("service_lines") or []]
    second = body.get("second_applicant") or {}
    pairs += [(FORM_FIELDS[f"second_applicant.{key}"], second[key]) for key in ("first_name", "last_name") if key in second]
    return MultiDict(pairs)


def _channel_id(name: str | None, errors: list[dict]) -> int | None:
    if not name:
        return None
    wanted = " > ".join(part.strip().lower() for part in name.split(">"))
    for channel in db.session.scalars(select(Channel).where(Channel.active.is_(True))):
        if wanted in (channel.path.lower(), channel.name.lower()):
            return channel.id
    errors.append({"field": "channel", "message": "Not a channel of this service's taxonomy"})
    return None


def _received_at(value: str | None, errors: list[dict]) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        errors.append({"field": "received_at", "message": "Give a date and time with a time zone, like "
                                                          "2026-11-23T14:05:00+00:00"})
        return None
    if moment.year < EARLIEST_RECEIVED:  # before converting: year 1 in a time zone east of UTC overflows
        errors.append({"field": "received_at", "message": f"An enquiry cannot be dated before {EARLIEST_RECEIVED}"})
        return None
    return moment
