"""Craft calculators JSON API (no token; never writes): POST /api/v1/tools/soap, /candle, /lotion."""
from __future__ import annotations

from flask import jsonify, request
from flask_smorest import Blueprint

from ...extensions import limiter
from ...services.craft import candle, lotion, soap
from ...services.errors import NotFound
from ...services.features import feature_enabled
from ...web import json_error
from . import openapi, public, tools_rate_limit

blp = Blueprint("tools_api", __name__, url_prefix="/api/v1/tools",
                description="Craft calculators: soap (lye, water, qualities), candle and lotion. No token needed.")

def _body():
    """The JSON body, or a 400 response when it is not JSON."""
    data = request.get_json(silent=True)
    if data is None:
        return None, json_error(400, "malformed_json", "The request body is not valid JSON.")
    return data, None


@blp.route("/soap", methods=["POST"])
@blp.doc(**openapi.operation("Soap calculator", openapi.SOAP_REQUEST, openapi.SOAP_RESPONSE, {
    "lye": "NaOH", "superfat": 5, "water": {"mode": "percent_of_oils", "value": 38},
    "oils": [{"name": "Olive Oil", "weight": 700}, {"name": "Coconut Oil (76°F)", "weight": 300}]}))
@limiter.limit(tools_rate_limit)
@public
def soap_tool():
    """Lye, water, batch weight and SoapCalc's qualities for a blend of oils; writes nothing."""
    if not feature_enabled(None, "craft_soap"):
        raise NotFound("Not found.")
    data, error = _body()
    if error:
        return error
    return jsonify(soap.soap_response(soap.calculate_soap(soap.parse_soap(data))))


@blp.route("/candle", methods=["POST"])
@blp.doc(**openapi.operation("Candle calculator", openapi.CANDLE_REQUEST, openapi.CANDLE_RESPONSE,
                             {"vessels": 12, "fill_weight": 200, "fragrance_load": 8}))
@limiter.limit(tools_rate_limit)
@public
def candle_tool():
    """Wax and fragrance for a number of vessels at a fill weight and fragrance load; writes nothing."""
    if not feature_enabled(None, "craft_tools"):
        raise NotFound("Not found.")
    data, error = _body()
    if error:
        return error
    return jsonify(candle.candle_response(candle.calculate_candle(data)))


@blp.route("/lotion", methods=["POST"])
@blp.doc(**openapi.operation("Lotion calculator", openapi.LOTION_REQUEST, openapi.LOTION_RESPONSE, {
    "batch_weight": 500, "ingredients": [{"name": "Distilled Water", "percent": 70, "phase": "water"},
                                         {"name": "Sweet Almond Oil", "percent": 20, "phase": "oil"},
                                         {"name": "Emulsifying Wax NF", "percent": 9, "phase": "oil"},
                                         {"name": "Optiphen", "percent": 1, "phase": "cool_down"}]}))
@limiter.limit(tools_rate_limit)
@public
def lotion_tool():
    """Grams of each ingredient for a batch weight; the percentages must total 100 (± 0.01); writes nothing."""
    if not feature_enabled(None, "craft_tools"):
        raise NotFound("Not found.")
    data, error = _body()
    if error:
        return error
    return jsonify(lotion.lotion_response(lotion.calculate_lotion(data)))
