"""Building blocks for the OpenAPI 3.1 documents of the JSON APIs (control API, portal APIs)."""
from __future__ import annotations

ERROR = {"$ref": "#/components/responses/Error"}


def json_response(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def closed(schema):
    """`schema` with every object that lists its properties closed to others (additionalProperties: false)."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: closed(value) if key in ("items", "oneOf", "anyOf", "allOf") else value
              for key, value in schema.items()}
    if "properties" in schema:
        result["properties"] = {name: closed(value) for name, value in schema["properties"].items()}
        result.setdefault("additionalProperties", False)
    return result


def body(schema: dict, example: dict, required: bool = True, form: bool = False) -> dict:
    """A JSON request body: its schema, closed (sandbox.body_schemas refuses unknown keys by it), and an example;
    `form`: the same fields may come as an HTML form (multipart, for a file upload)."""
    content = {"application/json": {"schema": closed(schema), "example": example}}
    if form:
        content["multipart/form-data"] = content["application/x-www-form-urlencoded"] = {"schema": closed(schema)}
    return {"required": required, "content": content}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | None = None) -> dict:
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def path_param(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


def operation(summary: str, responses: dict, *, body: dict | None = None, parameters: list | None = None,
        tag: str) -> dict:
    operation = {"summary": summary, "tags": [tag], "responses": {**responses, "4XX": ERROR}}
    if body:
        operation["requestBody"] = body
    if parameters:
        operation["parameters"] = parameters
    return operation


PEM = {"description": "PEM certificates", "content": {"application/x-pem-file": {"schema": {"type": "string"}}}}
NO_CONTENT = {"description": "Done"}
STR = {"type": "string"}
INT = {"type": "integer"}


ERROR_SCHEMA = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["status", "code", "message"],
    "properties": {"status": {"type": "integer"}, "code": {"type": "string"}, "message": {"type": "string"},
                   "field": {"type": ["string", "null"]},
                   "errors": {"type": "object", "additionalProperties": {"type": "string"}}}}}}


def document(title: str, description: str, server: str, paths: dict, schemas: dict,
             security: dict | None = None) -> dict:
    components = {"schemas": {"Error": ERROR_SCHEMA, **schemas},
                  "responses": {"Error": {"description": "Error", "content": {"application/json": {
                      "schema": {"$ref": "#/components/schemas/Error"}}}}}}
    if security:
        components["securitySchemes"] = security
    return {"openapi": "3.1.0", "info": {"title": title, "version": "1", "description": description},
            "servers": [{"url": server}], "paths": paths, "components": components}
