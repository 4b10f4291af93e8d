"""OpenAPI descriptions of the calculator endpoints: what the services accept and answer, exactly.

Numbers may be sent as JSON numbers or decimal strings (API.md); answers carry weights as decimal strings.
"""
from __future__ import annotations


def number(description: str = "", **bounds) -> dict:
    """A decimal given as a JSON number (with these bounds) or as a decimal string."""
    schema = {"anyOf": [{"type": "number", **bounds}, {"type": "string", "format": "decimal"}]}
    if description:
        schema["description"] = description
    return schema


def nullable(schema: dict) -> dict:
    """The same OpenAPI schema, also allowing null."""
    return {**schema, "nullable": True}


def text(max_length: int, description: str = "", *, min_length: int = 0, null: bool = True) -> dict:
    """An OpenAPI string schema with length bounds."""
    schema = {"type": "string", "maxLength": max_length}
    if min_length:
        schema["minLength"] = min_length
    if description:
        schema["description"] = description
    return nullable(schema) if null else schema


WEIGHT = dict(minimum=0, exclusiveMinimum=True, maximum=10_000_000, exclusiveMaximum=True)
DECIMAL_TEXT = {"type": "string", "format": "decimal", "example": "142.28929"}
UNIT = text(10, "A weight unit: g (default), kg, mg, oz or lb")
ID = nullable({"type": "integer", "minimum": 1, "description": "A library entry id"})

SOAP_REQUEST = {
    "type": "object",
    "required": ["lye", "superfat", "water", "oils"],
    "properties": {
        "lye": {"type": "string", "enum": ["NaOH", "KOH"]},
        "superfat": number("Percent of the oils left unsaponified", minimum=0, maximum=100),
        "koh_purity": nullable(number("KOH purity in percent (default 90)", minimum=0, exclusiveMinimum=True,
                                      maximum=100)),
        "water": {"type": "object", "required": ["mode", "value"], "properties": {
            "mode": {"type": "string", "enum": ["lye_ratio", "lye_concentration", "percent_of_oils"]},
            "value": number("water : lye ratio, lye concentration % or % of the oils", minimum=0, maximum=1000)}},
        "unit": UNIT,
        "oils": {"type": "array", "minItems": 1, "maxItems": 50, "items": {
            "type": "object", "required": ["weight"],
            "description": "A library entry (library_id, or its exact name, any case) or any name with its own "
                           "sap_naoh (which wins). An oil typed by hand may also bring fatty_acids, iodine and ins.",
            "properties": {
                "library_id": ID,
                "name": text(120),
                "weight": number(**WEIGHT),
                "sap_naoh": nullable(number("g NaOH per g oil", minimum=0, exclusiveMinimum=True, maximum=1)),
            }}},
        "additives": nullable({"type": "array", "maxItems": 50, "items": {
            "type": "object", "required": ["percent"], "description": "Fragrance or additive, % of the oils",
            "properties": {"library_id": ID, "name": text(120),
                           "percent": number(minimum=0, exclusiveMinimum=True, maximum=1000)}}}),
    },
}
_LINE = {"type": "object", "required": ["name", "weight", "percent", "sap_naoh", "lye_weight"], "properties": {
    "name": {"type": "string"}, "library_id": nullable({"type": "integer"}), "weight": DECIMAL_TEXT,
    "percent": DECIMAL_TEXT, "sap_naoh": DECIMAL_TEXT, "lye_weight": DECIMAL_TEXT}}
_QUALITIES = {"type": "object", "nullable": True,
              "description": "SoapCalc's qualities as whole numbers; null when an oil has no fatty-acid profile",
              "required": ["hardness", "cleansing", "conditioning", "bubbly", "creamy", "iodine", "ins"],
              "properties": {name: {"type": "integer"} for name in
                             ("hardness", "cleansing", "conditioning", "bubbly", "creamy", "iodine", "ins")}}
SOAP_RESPONSE = {
    "type": "object",
    "required": ["unit", "oils_weight", "lye_weight", "water_weight", "batch_weight", "lye", "lines", "qualities",
                 "fatty_acids"],
    "properties": {
        "unit": {"type": "string"}, "lye": {"type": "string"},
        "oils_weight": DECIMAL_TEXT, "lye_weight": DECIMAL_TEXT, "water_weight": DECIMAL_TEXT,
        "batch_weight": DECIMAL_TEXT, "koh_purity": DECIMAL_TEXT,
        "lines": {"type": "array", "items": _LINE},
        "qualities": _QUALITIES,
        "fatty_acids": {"type": "object", "nullable": True, "additionalProperties": {"type": "integer"},
                        "description": "The blend's fatty acids in percent (whole numbers)"},
        "additives": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "library_id": nullable({"type": "integer"}), "percent": DECIMAL_TEXT,
            "weight": DECIMAL_TEXT}}},
    },
}

CANDLE_REQUEST = {
    "type": "object", "required": ["vessels", "fill_weight", "fragrance_load"],
    "properties": {
        "vessels": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 100000},
                              {"type": "string", "format": "decimal"}]},
        "fill_weight": number("Weight of wax and fragrance per vessel", **WEIGHT),
        "fragrance_load": number("Fragrance in percent of the wax", minimum=0, maximum=100),
        "unit": UNIT,
        "vessel_diameter": text(40),
        "wick_notes": text(2000, "Free text kept with the calculation"),
    },
}
CANDLE_RESPONSE = {
    "type": "object", "required": ["unit", "total_weight", "wax_weight", "fragrance_weight", "per_vessel"],
    "properties": {"unit": {"type": "string"}, "total_weight": DECIMAL_TEXT, "wax_weight": DECIMAL_TEXT,
                   "fragrance_weight": DECIMAL_TEXT,
                   "per_vessel": {"type": "object", "required": ["wax", "fragrance"],
                                  "properties": {"wax": DECIMAL_TEXT, "fragrance": DECIMAL_TEXT}}},
}

LOTION_REQUEST = {
    "type": "object", "required": ["batch_weight", "ingredients"],
    "properties": {
        "batch_weight": number(**WEIGHT),
        "unit": UNIT,
        "ingredients": {"type": "array", "minItems": 1, "maxItems": 50,
                        "description": "The percentages must total 100 (± 0.01)", "items": {
                            "type": "object", "required": ["name", "percent"], "properties": {
                                "name": text(120, min_length=1, null=False),
                                "percent": number(minimum=0, maximum=100),
                                "phase": text(40, "water, oil, cool_down …")}}},
    },
}
LOTION_RESPONSE = {
    "type": "object", "required": ["unit", "batch_weight", "lines"],
    "properties": {"unit": {"type": "string"}, "batch_weight": DECIMAL_TEXT,
                   "lines": {"type": "array", "items": {"type": "object",
                                                        "required": ["name", "phase", "percent", "weight"],
                                                        "properties": {"name": {"type": "string"},
                                                                       "phase": {"type": "string"},
                                                                       "percent": DECIMAL_TEXT,
                                                                       "weight": DECIMAL_TEXT}}}},
}


def operation(summary: str, request: dict, response: dict, example: dict) -> dict:
    """The blp.doc(...) of one calculator: body, 200 answer and the errors it can give."""
    return {
        "summary": summary,
        "security": [],
        "requestBody": {"required": True, "content": {"application/json": {"schema": request, "example": example}}},
        "responses": {
            "200": {"description": "The calculation (nothing is stored)",
                    "content": {"application/json": {"schema": response}}},
            "400": {"description": "malformed_json: the body is not JSON"},
            "422": {"description": "validation_error: bad input, with fields naming what is wrong"},
            "429": {"description": "rate_limited: too many requests from this address; see Retry-After"},
        },
    }
