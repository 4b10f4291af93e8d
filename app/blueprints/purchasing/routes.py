"""Purchase-order pages: list, new, draft from the reorder page, detail (edit lines while draft, send,
cancel, receive), print view and CSV; a supplier's per-item order details (on the supplier page)."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ...models import PO_STATUSES
from ...services import inventory as inventory_services
from ...services import purchasing, suppliers
from ...services.errors import DomainError
from ...services.inventory import queries as inventory_queries
from ...services.tenancy import parse_id
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import EmptyForm, submit, submit_action
from ..pages import id_arg, page_arg
from . import bp
from .forms import BLANK_LINES, PurchaseOrderForm, ReceiveForm, SupplierItemForm, item_choices

PER_PAGE = 25


@bp.route("/purchase-orders")
@require_permission("suppliers.view")
def po_list():
    """Purchase orders, newest first, filtered by status or supplier."""
    org = current_org()
    status = request.args.get("status") or None
    status = status if status in (*PO_STATUSES, "open") else None
    supplier_id = id_arg("supplier_id")
    orders = purchasing.list_purchase_orders(org, current_user, status=status, supplier_id=supplier_id,
                                             page=page_arg(), per_page=PER_PAGE)
    names = purchasing.supplier_names(org, {order.supplier_id for order in orders.items})
    return render_template("purchasing/po_list.html", orders=orders, names=names, status=status,
                           statuses=PO_STATUSES, supplier_id=supplier_id)


@bp.route("/purchase-orders/new", methods=["GET", "POST"])
@require_permission("suppliers.manage")
def po_new():
    """Draft a purchase order by hand: a supplier and its lines."""
    org = current_org()
    form = PurchaseOrderForm()
    if request.method == "GET":
        form.supplier_id.data = str(id_arg("supplier_id") or "")
        for _ in range(BLANK_LINES + 2):
            form.lines.append_entry()
    _choices(org, form)
    lines, index_map = _lines_from(form)
    result = submit(form, _remapped(lambda: purchasing.create_purchase_order(
        org, current_user, supplier_id=parse_id(form.supplier_id.data), lines=lines, notes=form.notes.data or ""),
        index_map))
    if result.ok:
        flash(f"Draft {result.value.number} created.", "success")
        return redirect(url_for("purchasing.po_detail", po_id=result.value.id))
    return render_template("purchasing/po_new.html", form=form), result.status


@bp.route("/purchase-orders/draft", methods=["POST"])
@require_permission("suppliers.manage")
def po_draft_from_reorder():
    """Draft a purchase order to one supplier from the reorder suggestions (the Reorder page's button)."""
    supplier_id = parse_id(request.form.get("supplier_id"))
    result = submit_action(lambda: purchasing.draft_purchase_order_from_reorder(current_org(), current_user, supplier_id),
                           lambda order: f"Draft {order.number} created from the reorder suggestions; check the "
                                         f"quantities and costs, then mark it sent.")
    if result.ok:
        return redirect(url_for("purchasing.po_detail", po_id=result.value.id))
    return redirect(url_for("reports.reorder_page"))


@bp.route("/purchase-orders/<int:po_id>")
@require_permission("suppliers.view")
def po_detail(po_id: int):
    """One purchase order: its lines, what has arrived, and what can be done next."""
    org = current_org()
    order = purchasing.get_purchase_order(org, current_user, po_id)
    return _render_detail(org, order)


@bp.route("/purchase-orders/<int:po_id>/edit", methods=["POST"])
@require_permission("suppliers.manage")
def po_edit(po_id: int):
    """Save a draft's lines (quantities, unit costs, removed and added lines) and notes."""
    org = current_org()
    order = purchasing.get_purchase_order(org, current_user, po_id)
    form = PurchaseOrderForm()
    _choices(org, form)
    lines, index_map = _lines_from(form)
    result = submit(form, _remapped(lambda: purchasing.update_purchase_order(
        org, current_user, order.id, lines=lines, notes=form.notes.data or ""), index_map))
    if result.ok:
        flash(f"{order.number} saved.", "success")
        return redirect(url_for("purchasing.po_detail", po_id=order.id))
    return _render_detail(org, order, edit_form=form), result.status


@bp.route("/purchase-orders/<int:po_id>/send", methods=["POST"])
@require_permission("suppliers.manage")
def po_send(po_id: int):
    """Mark a draft as sent: its quantities count as on order from now on."""
    submit_action(lambda: purchasing.send_purchase_order(current_org(), current_user, po_id),
                  lambda order: f"{order.number} marked as sent; its quantities now count as on order.")
    return redirect(url_for("purchasing.po_detail", po_id=po_id))


@bp.route("/purchase-orders/<int:po_id>/cancel", methods=["POST"])
@require_permission("suppliers.manage")
def po_cancel(po_id: int):
    """Cancel an order (what is still open of it)."""
    submit_action(lambda: purchasing.cancel_purchase_order(current_org(), current_user, po_id),
                  lambda order: f"{order.number} cancelled.")
    return redirect(url_for("purchasing.po_detail", po_id=po_id))


@bp.route("/purchase-orders/<int:po_id>/receive", methods=["POST"])
@require_permission("inventory.adjust")
def po_receive(po_id: int):
    """Receive what arrived: one lot per line received, at the line's unit cost."""
    org = current_org()
    order = purchasing.get_purchase_order(org, current_user, po_id)
    form = ReceiveForm()
    receipts, index_map = [], []
    for index, entry in enumerate(form.lines.entries):
        sub = entry.form
        if sub.quantity.data is None or sub.quantity.data == 0:
            continue
        receipts.append({"line_id": sub.line_id.data, "quantity": sub.quantity.data,
                         "expires_at": sub.expires_at.data, "supplier_lot_code": sub.supplier_lot_code.data,
                         "location_id": parse_id(form.location_id.data)})
        index_map.append(index)
    result = submit(form, _remapped(lambda: purchasing.receive_purchase_order(org, current_user, order.id, receipts),
                                    index_map))
    if result.ok:
        received = result.value
        flash(f"Received into stock; {received.number} is now {received.status.replace('_', ' ')}.", "success")
        return redirect(url_for("purchasing.po_detail", po_id=order.id))
    return _render_detail(org, order, receive_form=form), result.status


@bp.route("/purchase-orders/<int:po_id>/print")
@require_permission("suppliers.view")
def po_print(po_id: int):
    """A printable purchase order (the browser's print, or save as PDF)."""
    org = current_org()
    order = purchasing.get_purchase_order(org, current_user, po_id)
    details = purchasing.supplier_items_for(org, [(order.supplier_id, line.item_id) for line in order.lines])
    return render_template("purchasing/po_print.html", order=order, org=org, details=details,
                           total=purchasing.order_total(order), line_total=purchasing.line_total)


@bp.route("/purchase-orders/<int:po_id>/csv")
@require_permission("suppliers.view")
def po_csv(po_id: int):
    """The order's lines as CSV."""
    name, text = purchasing.purchase_order_csv(current_org(), current_user, po_id)
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                        "Cache-Control": "no-store"})


# ---- a supplier's order details per item (shown on the supplier page) -----------------------------------

@bp.route("/suppliers/<int:supplier_id>/items", methods=["POST"])
@require_permission("suppliers.manage")
def supplier_item_save(supplier_id: int):
    """Record how this supplier sells an item (code, pack size, price)."""
    org = current_org()
    supplier = suppliers.get_supplier(org, current_user, supplier_id)
    form = SupplierItemForm()
    result = submit(form, lambda: purchasing.set_supplier_item(
        org, current_user, supplier.id, parse_id(form.item_id.data), supplier_code=form.supplier_code.data or "",
        pack_size=form.pack_size.data, unit_price=form.unit_price.data))
    if result.ok:
        flash(f"Saved {supplier.name}'s details for {result.value.item.name}.", "success")
    elif not result.error:
        flash("Check the item details: " + "; ".join(
            f"{getattr(form, name).label.text}: {' '.join(errors)}" for name, errors in form.errors.items()), "error")
    return redirect(url_for("suppliers.supplier_detail", supplier_id=supplier.id) + "#order-details")


@bp.route("/supplier-items/<int:supplier_item_id>/remove", methods=["POST"])
@require_permission("suppliers.manage")
def supplier_item_remove(supplier_item_id: int):
    """Forget a supplier's order details for one item."""
    result = submit_action(lambda: purchasing.remove_supplier_item(current_org(), current_user, supplier_item_id),
                           "Order details removed.")
    if not result.ok:
        return redirect(url_for("suppliers.supplier_list"))
    return redirect(url_for("suppliers.supplier_detail", supplier_id=result.value) + "#order-details")


def supplier_page_context(org, supplier) -> dict:
    """What the supplier page shows about ordering: per-item order details, the form, recent orders."""
    from ...services.authz import has_permission

    context = {"supplier_items": purchasing.list_supplier_items(org, current_user, supplier.id),
               "supplier_orders": purchasing.list_purchase_orders(org, current_user, supplier_id=supplier.id,
                                                                  page=1, per_page=10)}
    if has_permission(current_user, "suppliers.manage"):
        form = SupplierItemForm()
        form.item_id.choices = item_choices(inventory_queries.item_choices(org, current_user))
        context["supplier_item_form"] = form
    return context


# ---- helpers ---------------------------------------------------------------------------------------------

def _render_detail(org, order, *, edit_form=None, receive_form=None):
    from ...services.authz import has_permission

    if order.status == "draft" and edit_form is None and has_permission(current_user, "suppliers.manage"):
        edit_form = PurchaseOrderForm(formdata=None)
        for line in order.lines:
            edit_form.lines.append_entry({"line_id": str(line.id), "item_id": str(line.item_id),
                                          "quantity": line.quantity, "unit_cost": line.unit_cost})
        for _ in range(BLANK_LINES):
            edit_form.lines.append_entry()
        edit_form.notes.data = order.notes
    if edit_form is not None:
        _choices(org, edit_form)
    open_lines = [line for line in order.lines if line.open_quantity > 0]
    if (order.status in ("sent", "partially_received") and receive_form is None
            and has_permission(current_user, "inventory.adjust")):
        receive_form = ReceiveForm(formdata=None)
        for line in open_lines:
            receive_form.lines.append_entry({"line_id": str(line.id), "quantity": line.open_quantity})
    if receive_form is not None:
        receive_form.location_id.choices = _location_choices(org)
    lines_by_id = {line.id: line for line in order.lines}
    details = purchasing.supplier_items_for(org, [(order.supplier_id, line.item_id) for line in order.lines])
    return render_template("purchasing/po_detail.html", order=order, edit_form=edit_form, receive_form=receive_form,
                           lines_by_id=lines_by_id, details=details, total=purchasing.order_total(order),
                           line_total=purchasing.line_total, button_form=EmptyForm())


def _location_choices(org) -> list:
    """The organization's locations for the receive form (none offered when there is only one)."""
    rows = inventory_services.list_locations(org, current_user)
    if len(rows) < 2:
        return []
    return [SelectChoice("", "Default location")] + [SelectChoice(str(row.id), row.name) for row in rows]


def _choices(org, form) -> None:
    choices = item_choices(inventory_queries.item_choices(org, current_user))
    for entry in form.lines.entries:
        entry.form.item_id.choices = choices
    if hasattr(form, "supplier_id"):
        form.supplier_id.choices = [SelectChoice("", "Choose a supplier…")] + [
            SelectChoice(str(s.id), s.name) for s in suppliers.list_suppliers(org, current_user)]


def _lines_from(form) -> tuple[list[dict], list[int]]:
    """The lines the form asks for (blank and removed rows left out) and each one's row in the form."""
    lines, index_map = [], []
    for index, entry in enumerate(form.lines.entries):
        sub = entry.form
        if sub.remove.data:
            continue
        if not sub.line_id.data and not sub.item_id.data and sub.quantity.data is None:
            continue  # an empty row offered for adding
        lines.append({"id": sub.line_id.data or None, "item_id": sub.item_id.data or None,
                      "quantity": sub.quantity.data, "unit_cost": sub.unit_cost.data})
        index_map.append(index)
    return lines, index_map


def _remapped(call, index_map: list[int]):
    """`call` whose typed errors name the form's rows (lines.<row>.quantity) instead of the service's
    positions in the shortened list, so submit() puts each message beside its row."""

    def run():
        try:
            return call()
        except DomainError as error:
            fields = {}
            for name, message in (error.fields or {}).items():
                parts = name.split(".")
                if len(parts) > 1 and parts[0] == "lines" and parts[1].isdigit() and int(parts[1]) < len(index_map):
                    parts[1] = str(index_map[int(parts[1])])
                fields[".".join(parts)] = message
            error.fields = fields
            raise

    return run
