"""Product pages: the product list with each SKU's stock, product create/edit/archive, and the product page
with its variants, SKUs and the lots (and batches) behind each SKU."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...models.types import utcnow
from ...services import products, recipes, units
from ...services.timezones import org_today
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import EmptyForm, submit, submit_action
from ..pages import ID, choices, page_arg, text_arg, unit_choices
from . import bp
from .forms import ProductForm, SkuForm, VariantForm

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
    result = submit(form, lambda: products.create_product(current_org(), current_user, **_product_fields(form)))
    if result.ok:
        flash(f"Added {result.value.name}. Now add a SKU for each size or container you sell.", "success")
        return redirect(url_for("products.product_detail", product_id=result.value.id, _anchor="new-sku"))
    return render_template("products/product_form.html", form=form, product=None), result.status


@bp.route(f"/products/<{ID}:product_id>/edit", methods=["GET", "POST"])
@require_permission("products.edit")
def product_edit(product_id: int):
    """Edit a product's name, category and description."""
    org = current_org()
    product = products.get_product(org, current_user, product_id)
    form = ProductForm(obj=product) if request.method == "GET" else ProductForm()
    result = submit(form, lambda: products.update_product(org, current_user, product.id, **_product_fields(form)))
    if result.ok:
        flash(f"Saved {result.value.name}.", "success")
        return redirect(url_for("products.product_detail", product_id=product.id))
    return render_template("products/product_form.html", form=form, product=product), result.status


@bp.route(f"/products/<{ID}:product_id>/archive", methods=["POST"])
@require_permission("products.edit")
def product_archive(product_id: int):
    """Archive a product: hidden from lists and pickers; stock and sales kept."""
    submit_action(lambda: products.archive_product(current_org(), current_user, product_id),
                  lambda product: f"{product.name} archived.")
    return redirect(url_for("products.product_detail", product_id=product_id))


@bp.route(f"/products/<{ID}:product_id>/restore", methods=["POST"])
@require_permission("products.edit")
def product_restore(product_id: int):
    """Bring an archived product back."""
    submit_action(lambda: products.restore_product(current_org(), current_user, product_id),
                  lambda product: f"{product.name} restored.")
    return redirect(url_for("products.product_detail", product_id=product_id))


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
    result = submit(form, lambda: products.add_variant(org, current_user, product.id, name=form.name.data.strip()))
    if not result.ok:
        return _render_detail(product.id, variant_form=form, status=result.status)
    flash(f"Added the variant {result.value.name}.", "success")
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
    result = submit(form, lambda: products.create_sku(org, current_user, product.id, **_new_sku_fields(form)))
    if not result.ok:
        return _render_detail(product.id, sku_form=form, status=result.status,
                              detail=detail if result.error is None else None)
    sku = result.value
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
        if request.args.get("barcode"):  # from the Scan page: put the scanned barcode on this SKU
            form.barcode.data = text_arg("barcode", 80)
    result = submit(form, lambda: products.update_sku(org, current_user, sku.id, **_edited_sku_fields(form)))
    if result.ok:
        flash(f"Saved SKU {result.value.code}.", "success")
        # back to the SKU's own page, where its new price or barcode is put to use (Sell one, Scan)
        return redirect(url_for("products.sku_detail", sku_id=sku.id))
    return render_template("products/sku_form.html", form=form, sku=sku, product=product), result.status


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


def _fill_sku_choices(form: SkuForm, org, variants, include_container=None) -> None:
    form.variant_id.choices = choices([("", "— no variant —")] + [(v.id, v.name) for v in variants])
    options = recipes.item_options(org, current_user, kinds=("container", "packaging", "product"),
                                   include_ids=[include_container] if include_container else (),
                                   permission="products.view")
    containers = [(item_id, name) for item_id, name, _, kind in options if kind in ("container", "packaging")
                  or item_id == include_container]
    form.container_item_id.choices = choices([("", "— none —")] + containers)
    taken = products.sku_item_ids(org, current_user)
    free_products = [(item_id, f"{name} ({unit})") for item_id, name, unit, kind in options
                     if kind == "product" and item_id not in taken]
    form.item_id.choices = choices([("", "Create a new stock item")] + free_products)
    form.unit.choices = unit_choices([u for u in units.list_units(org, current_user) if u.dimension == "count"] or
                                     units.list_units(org, current_user))


def _product_fields(form: ProductForm) -> dict:
    return {"name": form.name.data.strip(), "category": (form.category.data or "").strip(),
            "description": (form.description.data or "").strip()}


def _new_sku_fields(form: SkuForm) -> dict:
    """A new SKU's fields: an existing stock item, or the unit of the new one to create."""
    fields = _sku_fields(form)
    if form.item_id.data:
        fields["item_id"] = form.item_id.data
    else:
        fields["unit"] = form.unit.data or "each"
    return fields


def _edited_sku_fields(form: SkuForm) -> dict:
    """The edited fields; a blank code keeps the current one."""
    fields = _sku_fields(form)
    if not fields["code"]:
        fields.pop("code")
    return fields


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
