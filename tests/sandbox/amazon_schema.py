"""A small validator for the JSON-schema subset of Amazon's Swagger 2.0 models: ``$ref`` into
``definitions``, types, required, enum, items, properties, additionalProperties, min/maxItems.

Written here (``jsonschema`` is not a project dependency) and deliberately independent of the
sandbox: the models are read from the shared reference at test time, never copied.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from amazon_client import REFERENCE

_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


@functools.cache
def model(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REFERENCE / "amazon" / name).read_text(encoding="utf-8"))
    return data


def response_schema(model_name: str, path: str, status: int) -> dict[str, Any]:
    schema: dict[str, Any] = model(model_name)["paths"][path]["get"]["responses"][str(status)][
        "schema"
    ]
    return schema


def errors(value: Any, schema: dict[str, Any], defs: dict[str, Any], at: str = "$") -> list[str]:
    """Every place where ``value`` breaks ``schema`` (empty when it validates)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/definitions/")
        return errors(value, defs[name], defs, at)
    found: list[str] = []
    kind = schema.get("type")
    if kind is not None and not _TYPES[kind](value):
        return [f"{at}: expected {kind}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{at}: {value!r} not in enum")
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            found.append(f"{at}: more than {schema['maxItems']} items")
        if "minItems" in schema and len(value) < schema["minItems"]:
            found.append(f"{at}: fewer than {schema['minItems']} items")
        for i, item in enumerate(value):
            found += errors(item, schema.get("items", {}), defs, f"{at}[{i}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        found += [f"{at}: missing {k}" for k in schema.get("required", []) if k not in value]
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                found += errors(item, props[key], defs, f"{at}.{key}")
            elif extra is False:
                found.append(f"{at}: unexpected property {key}")
            elif isinstance(extra, dict):
                found += errors(item, extra, defs, f"{at}.{key}")
    return found


def validate(body: Any, model_name: str, path: str, status: int) -> list[str]:
    return errors(body, response_schema(model_name, path, status), model(model_name)["definitions"])
