"""Batches: the lifecycle (start, finish, fail, cancel), work in progress (notes, timers, extras, substitutions),
the batch reads, and what a product label says.

This module is the domain's API: the public verbs of its modules, re-exported."""
from .in_progress import add_extra, add_note, start_timer, stop_timer, substitute
from .labels import PublicLot, label_allergens, label_ingredients, label_net_content, public_lot
from .lifecycle import (
    FINISH_ROLES,
    OUTPUT_CHANGE_TYPE,
    OutputSpec,
    cancel_batch,
    fail_batch,
    finish_batch,
    start_batch,
)
from .queries import (
    BatchRecord,
    Consumed,
    batch_record,
    consumption_cost,
    get_batch,
    list_batches,
    production_summary,
    running_timers,
)

__all__ = [
    "FINISH_ROLES", "OUTPUT_CHANGE_TYPE", "BatchRecord", "Consumed", "OutputSpec", "PublicLot",
    "add_extra", "add_note", "batch_record", "cancel_batch", "consumption_cost", "fail_batch", "finish_batch",
    "get_batch", "label_allergens", "label_ingredients", "label_net_content", "list_batches", "production_summary", "public_lot",
    "running_timers", "start_batch", "start_timer", "stop_timer", "substitute",
]
