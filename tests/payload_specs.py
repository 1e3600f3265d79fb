"""Specs that carry one quoting trap, wrapped around a payload, in every string the generator reads.

If any of them reached generated code unescaped, importing the package (or reading its README,
pyproject or JSON) would run `touch CANARY`.
"""

from __future__ import annotations

from typing import Any

CANARY = "/tmp/specforge-payload-canary-must-not-exist"
CODE = f"__import__('os').system('touch {CANARY}')"

# One quoting style each: the ways text breaks out of a string, docstring, comment or fence.
STYLES: dict[str, str] = {
    "triple-double": f'"""+{CODE}+"""',
    "triple-single": f"'''+{CODE}+'''",
    "double": f'"+{CODE}+"',
    "single": f"'+{CODE}+'",
    "newline": f"x\n{CODE}\n",
    "crlf": f"x\r\n{CODE}\r\n",
    "backslash-end": f"{CODE} \\",
    "nul": f"x\x00{CODE}",
    "line-separator": f"x\u2028{CODE}\u2029",
    "jinja": "{{ 7*7 }}{% raw %}{#" + CODE,
    "f-string": "{" + CODE + "}",
    "coding": "# -*- coding: utf-7 -*-\n+AAo-" + CODE,
    "markdown": f"```\n{CODE}\n```-->`<script>",
    "toml": f'"\n[tool.x]\nc = "{CODE}',
}


def payload_document(trap: str, version: str = "3.1.0") -> dict[str, Any]:
    """A valid document with `trap` in every string field a generator reads."""

    def text(where: str) -> str:
        return f"{where} {trap}"

    def schema_with_keywords(kind: str = "string") -> dict[str, Any]:
        return {
            "type": kind,
            "title": text("title"),
            "description": text("description"),
            "default": text("default"),
            "example": text("example"),
            "examples": [text("examples")],
            "pattern": "^[\\s\\S]*$",
            "format": text("format"),
            "x-extension": text("x"),
        }

    enum_values = [text("enum"), trap, "plain", trap.upper() + "2"]
    properties = {
        text("property"): schema_with_keywords(),
        "plain": {"type": "string", "description": text("plain"), "enum": enum_values},
        "old": {
            "type": "string",
            "deprecated": True,
            "description": text("old, use new instead"),
            "x-replaced-by": text("replaced-by"),
        },
        "nested": {"$ref": "#/components/schemas/Nested"},
        "pet": {"$ref": "#/components/schemas/Pet"},
        "count": {"type": "integer", "default": 3, "description": text("count")},
    }
    security_name = text("scheme")
    parameters = [
        {
            "name": text("query"),
            "in": "query",
            "description": text("query"),
            "example": text("example"),
            "schema": schema_with_keywords(),
        },
        {
            "name": text("header"),
            "in": "header",
            "description": text("header"),
            "schema": {"type": "string", "enum": enum_values},
        },
        {"name": text("cookie"), "in": "cookie", "schema": {"type": "string"}},
    ]
    path_parameter = {
        "name": "thing_id",
        "in": "path",
        "required": True,
        "description": text("path"),
        "schema": {"type": "string", "pattern": "^[a-z]+$"},
    }

    operation = {
        "operationId": text("operation"),
        "summary": text("summary"),
        "description": text("operation description"),
        "tags": [text("tag")],
        "x-codeSamples": [{"lang": text("lang"), "source": text("source")}],
        "x-idempotency-header": "Idempotency-Key",
        "parameters": parameters,
        "requestBody": {
            "description": text("body"),
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/Thing"},
                    "example": {"plain": "plain"},
                }
            },
        },
        "responses": {
            "201": {
                "description": text("response"),
                "headers": {
                    text("response header"): {
                        "description": text("response header"),
                        "schema": {"type": "string"},
                    }
                },
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
            },
            "default": {"description": text("default response")},
        },
        "security": [{security_name: []}],
    }
    listing = {
        "operationId": "list things",
        "summary": text("list"),
        "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
        "responses": {
            "200": {
                "description": text("list"),
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Thing"},
                        }
                    }
                },
            }
        },
    }
    return {
        "openapi": version,
        "info": {
            "title": text("title"),
            "version": text("1.0"),
            "description": text("info"),
            "contact": {"name": text("contact"), "url": "https://example.invalid"},
            "license": {"name": text("license")},
            "x-logo": text("logo"),
        },
        "servers": [
            {
                "url": "https://{region}.example.invalid/" + trap.replace("\n", "") + "/v1",
                "description": text("server"),
                "variables": {
                    "region": {
                        "default": text("region"),
                        "enum": [text("region"), "eu"],
                        "description": text("variable"),
                    }
                },
            }
        ],
        "tags": [{"name": text("tag"), "description": text("tag description")}],
        "paths": {
            "/things/{thing_id}": {
                "summary": text("path item"),
                "parameters": [path_parameter],
                "post": operation,
                "get": listing,
            },
            "/" + text("path").replace("/", "_").replace("{", "(").replace("}", ")"): {
                "get": {
                    "responses": {"204": {"description": text("no content")}},
                }
            },
        },
        "components": {
            "securitySchemes": {
                security_name: {
                    "type": "apiKey",
                    "in": "header",
                    "name": text("X-Key"),
                    "description": text("security"),
                }
            },
            "schemas": {
                "Thing": {
                    "type": "object",
                    "title": text("Thing title"),
                    "description": text("Thing"),
                    "required": ["plain"],
                    "properties": properties,
                    "x-extension": {text("key"): text("value")},
                },
                "Nested": {
                    "type": "object",
                    "properties": {
                        text("deep"): {"type": "array", "items": schema_with_keywords()}
                    },
                    "additionalProperties": {"type": "string", "description": text("extra")},
                },
                "Cat": {
                    "type": "object",
                    "required": ["kind"],
                    "properties": {"kind": {"type": "string", "enum": [text("cat")]}},
                },
                "Dog": {
                    "type": "object",
                    "required": ["kind"],
                    "properties": {"kind": {"type": "string", "enum": ["dog"]}},
                },
                "Pet": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/Cat"},
                        {"$ref": "#/components/schemas/Dog"},
                    ],
                    "discriminator": {
                        "propertyName": "kind",
                        "mapping": {
                            text("cat"): "#/components/schemas/Cat",
                            "dog": "#/components/schemas/Dog",
                        },
                    },
                },
                text("Schema name"): {"type": "string", "enum": enum_values},
            },
        },
    }
