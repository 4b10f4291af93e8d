"""Property test: random sequences of stock operations never break the ledger invariants."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from app.extensions import db
from app.models import InventoryEvent
from app.services import inventory, tenancy
from app.services.errors import InsufficientStock, InvalidState
from app.services.inventory import stock_check

from ...factories import assert_invariants

pytestmark = pytest.mark.usefixtures("reference_data")

QUANTITIES = st.decimals(min_value="0.000001", max_value="400", places=6)
COSTS = st.decimals(min_value="0", max_value="25", places=4)
OUTFLOWS = sorted(inventory.DEDUCTIONS | inventory.DISPOSALS)
_names = itertools.count(1)



def test_random_operation_sequences_keep_the_invariants(org, owner):
    """After every restock / deduction / recount / disposal / credit / reversal: quantity = Σ lots = Σ ledger,
    0 ≤ remaining ≤ original, received cost = consumed cost + remaining value."""

    class Ledger(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.item_id = inventory.create_item(org, owner, name=f"Prop {next(_names)}", kind="ingredient",
                                                 unit="g", density="0.9").id
            self.expected = Decimal(0)

        def _item(self):
            db.session.expire_all()
            return inventory.get_item(org, owner, self.item_id)

        def _lots(self):
            return inventory.lots_in_consumption_order(org, owner, self.item_id, include_depleted=True)

        @rule(quantity=QUANTITIES, cost=COSTS, age=st.integers(0, 40), expired=st.booleans(),
              held=st.booleans(), in_kg=st.booleans())
        def restock(self, quantity, cost, age, expired, held, in_kg):
            now = datetime.now(timezone.utc)
            unit = "kg" if in_kg else "g"
            result = inventory.adjust(
                org, owner, self.item_id, change_type="restock", quantity=quantity / 1000 if in_kg else quantity,
                unit=unit, unit_cost=cost, received_at=now - timedelta(days=age),
                expires_at=(now - timedelta(days=1)).date() if expired else None)
            if held:  # a recall hold is set by another domain; the ledger must still balance
                result.events[0].lot.hold_reason = "recall"
                db.session.commit()
            self.expected += result.events[0].quantity

        @rule(quantity=QUANTITIES, change_type=st.sampled_from(OUTFLOWS))
        def deduct(self, quantity, change_type):
            available = stock_check.available_quantity(org, self._item())
            try:
                events = inventory.adjust(org, owner, self.item_id, change_type=change_type, quantity=quantity).events
            except InsufficientStock:
                assert quantity > available
                return
            assert quantity <= available
            assert sum(e.quantity for e in events) == -quantity
            self.expected -= quantity

        @rule(quantity=st.decimals(min_value="0", max_value="600", places=6))
        def recount(self, quantity):
            inventory.adjust(org, owner, self.item_id, change_type="recount", quantity=quantity)
            self.expected = quantity

        @rule(data=st.data())
        def credit(self, data):
            lots = [lot for lot in self._lots() if lot.remaining_quantity < lot.original_quantity]
            if not lots:
                return
            lot = data.draw(st.sampled_from(lots))
            room = lot.original_quantity - lot.remaining_quantity
            amount = data.draw(st.decimals(min_value="0.000001", max_value=room, places=6))
            inventory.credit_lot(org, owner, lot.id, amount, change_type=data.draw(st.sampled_from(
                sorted(inventory.CREDITS))))
            self.expected += amount

        @rule(data=st.data(), change_type=st.sampled_from(sorted(inventory.DISPOSALS)))
        def dispose(self, data, change_type):
            lots = [lot for lot in self._lots() if lot.remaining_quantity > 0]
            if not lots:
                return
            lot = data.draw(st.sampled_from(lots))
            event = inventory.dispose_lot(org, owner, lot.id, change_type=change_type)
            self.expected += event.quantity

        @rule(data=st.data())
        def reverse(self, data):
            events = list(db.session.scalars(tenancy.scoped(InventoryEvent, org).where(
                InventoryEvent.item_id == self.item_id).order_by(InventoryEvent.id)))
            if not events:
                return
            event = data.draw(st.sampled_from(events))
            try:
                reversal = inventory.reverse_event(org, owner, event.id)
            except InvalidState:
                return
            self.expected += reversal.quantity

        @invariant()
        def ledger_balances(self):
            item = self._item()
            assert item.quantity == self.expected
            assert_invariants(org, self.item_id)

    run_state_machine_as_test(Ledger, settings=settings(
        max_examples=30, stateful_step_count=12, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
