"""Traceability: the trace graph from any lot, forward and backward to any depth (graph), and finding the lot to
trace by a code from a label or part of a code (lookup)."""
from __future__ import annotations

from .graph import (
                    BATCH_LAZY,
                    MAX_DEPTH,
                    SALE_LAZY,
                    Backward,
                    Forward,
                    Trace,
                    TraceBatch,
                    TraceNode,
                    TraceSale,
                    downstream_lots,
                    get_lot,
                    resolve_lot,
                    trace_lot,
)
from .lookup import LOOKUP_LOTS, CodeLookup, lookup_code, search_lots

__all__ = ["BATCH_LAZY", "LOOKUP_LOTS", "MAX_DEPTH", "SALE_LAZY", "Backward", "CodeLookup", "Forward", "Trace",
           "TraceBatch", "TraceNode", "TraceSale", "downstream_lots", "get_lot", "lookup_code", "resolve_lot",
           "search_lots", "trace_lot"]
