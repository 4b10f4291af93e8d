"""Supplier pages: list, detail with the lots received from them, create, edit, archive."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...services import inventory, suppliers
from ...services.inventory import queries
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import EmptyForm, submit, submit_action
from ..pages import page_arg
from . import bp
from .forms import SupplierForm

LOTS_PER_PAGE = 25
FIELDS = ("name", "contact_name", "email", "phone", "website", "lead_time_days", "notes")


@bp.route("/suppliers")
@require_permission("suppliers.view")
def supplier_list():
    """Suppliers with their contact details and lead times."""
    archived = request.args.get("archived") == "1"
    rows = suppliers.list_suppliers(current_org(), current_user, include_archived=archived)
    return render_template("suppliers/supplier_list.html", suppliers=rows, archived=archived)


@bp.route("/suppliers/<int:supplier_id>")
@require_permission("suppliers.view")
def supplier_detail(supplier_id: int):
    """One supplier and the lots received from them, most recent first."""
    org = current_org()
    supplier = suppliers.get_supplier(org, current_user, supplier_id)
    lots = queries.list_supplier_lots(org, current_user, supplier.id, page=page_arg(), per_page=LOTS_PER_PAGE)
    from ..purchasing.routes import supplier_page_context  # order details per item, purchase orders

    bought_costs = inventory.purchase_unit_costs(org, [row["lot"] for row in lots.items])
    return render_template("suppliers/supplier_detail.html", supplier=supplier, lots=lots, button_form=EmptyForm(),
                           bought_costs=bought_costs,
                           **supplier_page_context(org, supplier))


@bp.route("/suppliers/new", methods=["GET", "POST"])
@require_permission("suppliers.manage")
def supplier_new():
    """Add a supplier."""
    form = SupplierForm()
    result = submit(form, lambda: suppliers.create_supplier(current_org(), current_user, **_fields(form)))
    if result.ok:
        flash(f"Added {result.value.name}.", "success")
        return redirect(url_for("suppliers.supplier_detail", supplier_id=result.value.id))
    return render_template("suppliers/supplier_form.html", form=form, supplier=None), result.status


@bp.route("/suppliers/<int:supplier_id>/edit", methods=["GET", "POST"])
@require_permission("suppliers.manage")
def supplier_edit(supplier_id: int):
    """Edit a supplier's details."""
    org = current_org()
    supplier = suppliers.get_supplier(org, current_user, supplier_id)
    form = SupplierForm(obj=supplier) if request.method == "GET" else SupplierForm()
    result = submit(form, lambda: suppliers.update_supplier(org, current_user, supplier.id, **_fields(form)))
    if result.ok:
        flash(f"Saved {result.value.name}.", "success")
        return redirect(url_for("suppliers.supplier_detail", supplier_id=supplier.id))
    return render_template("suppliers/supplier_form.html", form=form, supplier=supplier), result.status


@bp.route("/suppliers/<int:supplier_id>/archive", methods=["POST"])
@require_permission("suppliers.manage")
def supplier_archive(supplier_id: int):
    """Archive a supplier: kept on old lots, no longer offered for new ones."""
    submit_action(lambda: suppliers.archive_supplier(current_org(), current_user, supplier_id),
                  lambda supplier: f"{supplier.name} archived.")
    return redirect(url_for("suppliers.supplier_detail", supplier_id=supplier_id))


@bp.route("/suppliers/<int:supplier_id>/restore", methods=["POST"])
@require_permission("suppliers.manage")
def supplier_restore(supplier_id: int):
    """Bring an archived supplier back."""
    submit_action(lambda: suppliers.restore_supplier(current_org(), current_user, supplier_id),
                  lambda supplier: f"{supplier.name} restored.")
    return redirect(url_for("suppliers.supplier_detail", supplier_id=supplier_id))


def _fields(form: SupplierForm) -> dict:
    fields = {name: getattr(form, name).data for name in FIELDS}
    for name in ("name", "contact_name", "email", "phone", "website", "notes"):
        fields[name] = (fields[name] or "").strip()
    return fields
