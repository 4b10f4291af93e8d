"""Sales: recording sales and returns (records), CSV import (imports), and the reads (queries).

`from app.services import sales; sales.record_sale(org, actor, ...)` — the domain's public verbs."""
from __future__ import annotations

from .imports import (
    CSV_COLUMNS,
    MAX_CSV_CHARS,
    MAX_CSV_ROWS,
    ImportProblem,
    ImportReport,
    ImportRow,
    import_sales_csv,
    validate_sales_csv,
)
from .queries import (
    SaleLine,
    SaleRecord,
    SaleRow,
    SalesPage,
    SalesTotals,
    SellOption,
    get_sale,
    list_channels,
    list_sales,
    list_sell_options,
    margin_percent,
    sale_record,
    sales_between,
)
from .records import (
    RETURN_CHANGE_TYPE,
    SALE_CHANGE_TYPE,
    exact_figures,
    free_to_sell,
    insufficient,
    line_cost,
    money,
    record_sale,
    return_sale,
)

__all__ = ["CSV_COLUMNS", "MAX_CSV_CHARS", "MAX_CSV_ROWS", "RETURN_CHANGE_TYPE", "SALE_CHANGE_TYPE", "ImportProblem",
           "ImportReport", "ImportRow", "SaleLine", "SaleRecord", "SaleRow", "SalesPage", "SalesTotals",
           "SellOption", "exact_figures", "free_to_sell", "get_sale", "import_sales_csv", "insufficient",
           "line_cost", "list_channels", "list_sales", "list_sell_options", "margin_percent", "money",
           "record_sale", "return_sale", "sale_record", "sales_between", "validate_sales_csv"]
