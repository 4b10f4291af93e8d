"""Product pages: the product list with each SKU's stock, product create/edit/archive, and the product page
with its variants, SKUs and the lots (and batches) behind each SKU."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...models.types import utcnow
from ...services import commerce_views, production_views, products, units
from ...services.errors import DomainError, NotFound
from ...services.timezones import org_today
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import apply_field_errors
from ..pages import ID, choices, error_status, page_arg, text_arg, unit_choices
from .forms import EmptyForm, ProductForm, SkuForm, VariantForm

bp = Blueprint("products", __name__)

PER_PAGE = 25
SKU_FIELDS = ("variant_id", "size_label", "code", "retail_price", "wholesale_price", "barcode", "container_item_id")


@bp.route("/products")
@require_permission("products.view")
def product_list():
    """Products with their SKUs: code, stock on hand, value and price; searchable, paginated."""
    q = text_arg("q")
    archived = request.args.get("archived") == "1"
    page = products.list_products(current_org(), current_user, q=q or None, include_archived=archived,
                                  page=page_arg(), per_page=PER_PAGE)
    args = {key: value for key, value in (("q", q), ("archived", "1" if archived else "")) if value}
    return render_template("products/product_list.html", page=page, q=q, archived=archived, args=args)


@bp.route("/products/new", methods=["GET", "POST"])
@require_permission("products.edit")
def product_new():
    """Add a product; its SKUs are added on the product page next."""
    form = ProductForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                product = products.create_product(current_org(), current_user, **_product_fields(form))
            except DomainError as exc:
                apply_field_errors(form, exc)
                status = error_status(exc)
            else:
                flash(f"Added {product.name}. Now add a SKU for each size or container you sell.", "success")
                return redirect(url_for("products.product_detail", product_id=product.id, _anchor="new-sku"))
    return render_template("products/product_form.html", form=form, product=None), status


@bp.route(f"/products/<{ID}:product_id>/edit", methods=["GET", "POST"])
@require_permission("products.edit")
def product_edit(product_id: int):
    """Edit a product's name, category and description."""
    org = current_org()
    product = products.get_product(org, current_user, product_id)
    form = ProductForm(obj=product) if request.method == "GET" else ProductForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                product = products.update_product(org, current_user, product.id, **_product_fields(form))
            except DomainError as exc:
                apply_field_errors(form, exc)
                status = error_status(exc)
            else:
                flash(f"Saved {product.name}.", "success")
                return redirect(url_for("products.product_detail", product_id=product.id))
    return render_template("products/product_form.html", form=form, product=product), status


@bp.route(f"/products/<{ID}:product_id>/archive", methods=["POST"])
@require_permission("products.edit")
def product_archive(product_id: int):
    """Archive a product: hidden from lists and pickers; stock and sales kept."""
    return _archive_or_restore(product_id, archive=True)


@bp.route(f"/products/<{ID}:product_id>/restore", methods=["POST"])
@require_permission("products.edit")
def product_restore(product_id: int):
    """Bring an archived product back."""
    return _archive_or_restore(product_id, archive=False)


@bp.route(f"/products/<{ID}:product_id>")
@require_permission("products.view")
def product_detail(product_id: int):
    """A product: variants, SKUs with stock, and per SKU the lots it holds and the batch that made each."""
    return _render_detail(product_id)


@bp.route(f"/products/<{ID}:product_id>/variants", methods=["POST"])
@require_permission("products.edit")
def variant_create(product_id: int):
    """Add a variant (scent, colour) to a product."""
    org = current_org()
    product = products.get_product(org, current_user, product_id)
    form = VariantForm()
    if not form.validate_on_submit():
        return _render_detail(product.id, variant_form=form, status=422)
    try:
        variant = products.add_variant(org, current_user, product.id, name=form.name.data.strip())
    except DomainError as exc:
        apply_field_errors(form, exc)
        return _render_detail(product.id, variant_form=form, status=error_status(exc))
    flash(f"Added the variant {variant.name}.", "success")
    return redirect(url_for("products.product_detail", product_id=product.id, _anchor="variants"))


@bp.route(f"/products/<{ID}:product_id>/skus", methods=["POST"])
@require_permission("products.edit")
def sku_create(product_id: int):
    """Add a SKU: a new product stock item (or an existing one) with its code, prices and container."""
    org = current_org()
    detail = products.get_product_detail(org, current_user, product_id)
    product = detail.product
    form = SkuForm()
    _fill_sku_choices(form, org, detail.variants)
    if not form.validate_on_submit():
        return _render_detail(product.id, sku_form=form, status=422, detail=detail)
    fields = _sku_fields(form)
    if form.item_id.data:
        fields["item_id"] = form.item_id.data
    else:
        fields["unit"] = form.unit.data or "each"
    try:
        sku = products.create_sku(org, current_user, product.id, **fields)
    except DomainError as exc:
        apply_field_errors(form, exc)
        return _render_detail(product.id, sku_form=form, status=error_status(exc))
    flash(f"Added SKU {sku.code}. Finish a batch into it to put it in stock.", "success")
    return redirect(url_for("products.product_detail", product_id=product.id, _anchor=f"sku-{sku.id}"))


@bp.route(f"/products/skus/<{ID}:sku_id>/edit", methods=["GET", "POST"])
@require_permission("products.edit")
def sku_edit(sku_id: int):
    """Edit a SKU's variant, size, code, prices, barcode or container."""
    org = current_org()
    sku = products.get_sku(org, current_user, sku_id)
    detail = products.get_product_detail(org, current_user, sku.product_id)
    product = detail.product
    form = SkuForm(obj=sku) if request.method == "GET" else SkuForm()
    _fill_sku_choices(form, org, detail.variants, include_container=sku.container_item_id)
    if request.method == "GET":
        form.variant_id.data = str(sku.variant_id or "")
        form.container_item_id.data = str(sku.container_item_id or "")
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            fields = _sku_fields(form)
            if not fields["code"]:
                fields.pop("code")  # blank keeps the current code
            try:
                sku = products.update_sku(org, current_user, sku.id, **fields)
            except DomainError as exc:
                apply_field_errors(form, exc)
                status = error_status(exc)
            else:
                flash(f"Saved SKU {sku.code}.", "success")
                return redirect(url_for("products.product_detail", product_id=product.id, _anchor=f"sku-{sku.id}"))
    return render_template("products/sku_form.html", form=form, sku=sku, product=product), status


# ---- helpers ---------------------------------------------------------------------------------------

def _render_detail(product_id: int, *, variant_form=None, sku_form=None, status: int = 200, detail=None):
    org = current_org()
    if detail is None:
        detail = products.get_product_detail(org, current_user, product_id)
    if sku_form is None:
        sku_form = SkuForm(formdata=None)
        _fill_sku_choices(sku_form, org, detail.variants)
    now = utcnow()
    statuses = {lot.id: lot.status(org_today(org, now), now) for row in detail.skus for lot, _ in row.lots}
    return render_template("products/product_detail.html", detail=detail, product=detail.product,
                           variant_form=variant_form or VariantForm(formdata=None), sku_form=sku_form,
                           statuses=statuses, button_form=EmptyForm()), status


def _archive_or_restore(product_id: int, *, archive: bool):
    org = current_org()
    if EmptyForm().validate_on_submit():
        try:
            if archive:
                product = products.archive_product(org, current_user, product_id)
            else:
                product = products.restore_product(org, current_user, product_id)
        except NotFound:
            raise
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(f"{product.name} archived." if archive else f"{product.name} restored.", "success")
    else:
        flash("The request could not be read; nothing was changed. Try again.", "error")
    return redirect(url_for("products.product_detail", product_id=product_id))


def _fill_sku_choices(form: SkuForm, org, variants, include_container=None) -> None:
    form.variant_id.choices = choices([("", "— no variant —")] + [(v.id, v.name) for v in variants])
    options = production_views.item_options(org, kinds=("container", "packaging", "product"),
                                            include_ids=[include_container] if include_container else ())
    containers = [(item_id, name) for item_id, name, _, kind in options if kind in ("container", "packaging")
                  or item_id == include_container]
    form.container_item_id.choices = choices([("", "— none —")] + containers)
    taken = commerce_views.sku_item_ids(org)
    free_products = [(item_id, f"{name} ({unit})") for item_id, name, unit, kind in options
                     if kind == "product" and item_id not in taken]
    form.item_id.choices = choices([("", "Create a new stock item")] + free_products)
    form.unit.choices = unit_choices([u for u in units.list_units(org) if u.dimension == "count"] or
                                     units.list_units(org))


def _product_fields(form: ProductForm) -> dict:
    return {"name": form.name.data.strip(), "category": (form.category.data or "").strip(),
            "description": (form.description.data or "").strip()}


def _sku_fields(form: SkuForm) -> dict:
    return {
        "variant_id": form.variant_id.data or None,
        "size_label": (form.size_label.data or "").strip(),
        "code": (form.code.data or "").strip() or None,
        "retail_price": form.retail_price.data,
        "wholesale_price": form.wholesale_price.data,
        "barcode": (form.barcode.data or "").strip() or None,
        "container_item_id": form.container_item_id.data or None,
    }
