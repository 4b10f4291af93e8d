"""The soap calculator: lye (NaOH, KOH or both), water and SoapCalc's soap qualities for a blend of oils.

NaOH = Σ weight × SAP(NaOH) × (1 − superfat ÷ 100); KOH = the same × 56.1056 ÷ 39.9971 ÷ (purity ÷ 100).
Qualities follow SoapCalc: each fatty acid weighted by oil weight, then hardness = lauric + myristic +
palmitic + stearic, cleansing = lauric + myristic, conditioning = oleic + ricinoleic + linoleic +
linolenic, bubbly = lauric + myristic + ricinoleic, creamy = palmitic + stearic + ricinoleic; iodine and
INS are the oils' own values weighted by weight. Nothing here writes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from ...extensions import db
from ...models import GlobalItem
from ..errors import ValidationFailed
from . import inputs

NAOH_MOLAR_MASS = Decimal("39.9971")
KOH_MOLAR_MASS = Decimal("56.1056")
KOH_PER_NAOH = KOH_MOLAR_MASS / NAOH_MOLAR_MASS
LYES = ("NaOH", "KOH")
WATER_MODES = ("lye_ratio", "lye_concentration", "percent_of_oils")
FATTY_ACIDS = ("lauric", "myristic", "palmitic", "stearic", "ricinoleic", "oleic", "linoleic", "linolenic")
QUALITY_ACIDS = {
    "hardness": ("lauric", "myristic", "palmitic", "stearic"),
    "cleansing": ("lauric", "myristic"),
    "conditioning": ("oleic", "ricinoleic", "linoleic", "linolenic"),
    "bubbly": ("lauric", "myristic", "ricinoleic"),
    "creamy": ("palmitic", "stearic", "ricinoleic"),
}
QUALITY_NAMES = ("hardness", "cleansing", "conditioning", "bubbly", "creamy", "iodine", "ins")
# SoapCalc's usual ranges for a bar soap.
QUALITY_RANGES = {"hardness": (29, 54), "cleansing": (12, 22), "conditioning": (44, 69), "bubbly": (14, 46),
                  "creamy": (16, 48), "iodine": (41, 70), "ins": (136, 165)}
DEFAULT_KOH_PURITY = Decimal(90)
HUNDRED = Decimal(100)


@dataclass
class Oil:
    name: str
    weight: Decimal  # in the request's unit
    sap_naoh: Decimal
    fatty_acids: dict | None = None
    iodine: Decimal | None = None
    ins: Decimal | None = None
    library_id: int | None = None

    @property
    def has_profile(self) -> bool:
        return isinstance(self.fatty_acids, dict) and self.iodine is not None and self.ins is not None


@dataclass
class Additive:
    name: str
    percent: Decimal  # of the oils' weight
    library_id: int | None = None


@dataclass
class SoapSpec:
    lye: str  # NaOH | KOH | dual
    superfat: Decimal
    koh_purity: Decimal
    water_mode: str
    water_value: Decimal
    oils: list[Oil]
    unit: str = "g"
    naoh_percent: Decimal = HUNDRED  # dual lye: the share of the saponification done by NaOH
    additives: list[Additive] = field(default_factory=list)


@dataclass
class SoapLine:
    name: str
    weight: Decimal
    percent: Decimal
    sap_naoh: Decimal
    lye_weight: Decimal
    library_id: int | None


@dataclass
class SoapResult:
    spec: SoapSpec
    oils_weight: Decimal
    naoh_weight: Decimal
    koh_weight: Decimal
    lye_weight: Decimal
    water_weight: Decimal
    additives_weight: Decimal
    batch_weight: Decimal
    lines: list[SoapLine]
    additive_lines: list[tuple[Additive, Decimal]]
    qualities: dict[str, Decimal] | None
    fatty_acids: dict[str, Decimal] | None
    missing_profiles: list[str]

    @property
    def shown_qualities(self) -> dict[str, int] | None:
        """The qualities as SoapCalc shows them (whole numbers), or None without profiles."""
        return {name: whole(value) for name, value in self.qualities.items()} if self.qualities else None

    @property
    def lye_concentration(self) -> Decimal:
        total = self.lye_weight + self.water_weight
        return self.lye_weight * HUNDRED / total if total else Decimal(0)


# ---- parsing ---------------------------------------------------------------------------------------

def parse_soap(data, *, allow_dual: bool = False) -> SoapSpec:
    """Validate a soap request (API.md shape) and resolve its oils in the library; ValidationFailed names
    the field (e.g. "oils.2.weight")."""
    if not isinstance(data, dict):
        raise ValidationFailed("Send a JSON object.", fields={"_schema": "Expected an object."})
    lye = data.get("lye")
    if lye not in LYES + (("dual",) if allow_dual else ()):  # exactly as API.md spells them
        raise ValidationFailed("Choose the lye: NaOH or KOH.", fields={"lye": "NaOH or KOH."})
    superfat = inputs.number(data.get("superfat"), "superfat", "the superfat", minimum=0, maximum=100)
    koh_purity = inputs.number(data.get("koh_purity"), "koh_purity", "the KOH purity", above=0, maximum=100,
                               required=False, default=DEFAULT_KOH_PURITY)
    naoh_percent = HUNDRED if lye == "NaOH" else Decimal(0)
    if lye == "dual":
        naoh_percent = inputs.number(data.get("naoh_percent"), "naoh_percent", "the NaOH share", minimum=0,
                                     maximum=100)
    water = data.get("water")
    if not isinstance(water, dict):
        raise ValidationFailed("Choose how to calculate the water.", fields={"water": "Give a mode and a value."})
    mode = water.get("mode")
    if mode not in WATER_MODES:
        raise ValidationFailed("The water mode is lye_ratio, lye_concentration or percent_of_oils.",
                               fields={"water.mode": "lye_ratio, lye_concentration or percent_of_oils."})
    if mode == "lye_concentration":
        water_value = inputs.number(water.get("value"), "water.value", "the lye concentration", above=0, maximum=100)
    elif mode == "lye_ratio":
        water_value = inputs.number(water.get("value"), "water.value", "the water : lye ratio", minimum=0,
                                    maximum=100)
    else:
        water_value = inputs.number(water.get("value"), "water.value", "the water percentage", minimum=0,
                                    maximum=1000)
    unit = inputs.weight_unit(data.get("unit"))
    oils = _parse_oils(data.get("oils"))
    additives = _parse_additives(data.get("additives"))
    return SoapSpec(lye=lye, superfat=superfat, koh_purity=koh_purity, water_mode=mode, water_value=water_value,
                    oils=oils, unit=unit, naoh_percent=naoh_percent, additives=additives)


def _parse_oils(raw_oils) -> list[Oil]:
    raw_oils = inputs.line_list(raw_oils, "oils", "oil")
    entries = _library_entries(raw_oils, "oils")
    oils = []
    for index, raw in enumerate(raw_oils):
        prefix = f"oils.{index}"
        entry = entries[index]
        weight = inputs.weight(raw.get("weight"), f"{prefix}.weight", "an oil's weight")
        sap = raw.get("sap_naoh")
        if sap not in (None, ""):
            sap = inputs.number(sap, f"{prefix}.sap_naoh", "the SAP value", above=0, maximum=1)
        elif entry is not None and entry.sap_naoh:
            sap = entry.sap_naoh
        else:
            name = entry.name if entry is not None else raw.get("name")
            message = (f"“{name}” has no SAP value in the library; enter its SAP (g NaOH per g oil)."
                       if entry is not None else f"“{name}” is not in the library; enter its SAP value (g NaOH per g oil).")
            raise ValidationFailed(message, fields={f"{prefix}.sap_naoh": "Enter the SAP value (g NaOH per g oil)."})
        if entry is not None:
            oils.append(Oil(name=entry.name, weight=weight, sap_naoh=sap, fatty_acids=entry.fatty_acids,
                            iodine=entry.iodine, ins=entry.ins, library_id=entry.id))
        else:
            oils.append(Oil(name=inputs.text(raw.get("name"), f"{prefix}.name", "The oil's name"), weight=weight,
                            sap_naoh=sap, **_custom_profile(raw, prefix)))
    return oils


def _custom_profile(raw: dict, prefix: str) -> dict:
    """An oil typed by hand may bring its own fatty acids, iodine and INS (else: no qualities)."""
    profile = raw.get("fatty_acids")
    if profile in (None, {}) and raw.get("iodine") in (None, "") and raw.get("ins") in (None, ""):
        return {}
    if not isinstance(profile, dict):
        raise ValidationFailed("Fatty acids are an object of name → percent.",
                               fields={f"{prefix}.fatty_acids": "name → percent."})
    acids = {}
    for name, value in list(profile.items())[:30]:
        acids[str(name)[:40]] = inputs.number(value, f"{prefix}.fatty_acids.{name}", "a fatty acid percentage",
                                              minimum=0, maximum=100)
    return {"fatty_acids": acids,
            "iodine": inputs.number(raw.get("iodine"), f"{prefix}.iodine", "the iodine value", minimum=0, maximum=300),
            "ins": inputs.number(raw.get("ins"), f"{prefix}.ins", "the INS value", minimum=-100, maximum=400)}


def _parse_additives(raw) -> list[Additive]:
    if raw in (None, []):
        return []
    raw = inputs.line_list(raw, "additives", "additive")
    entries = _library_entries(raw, "additives", require_known=False)
    result = []
    for index, line in enumerate(raw):
        entry = entries[index]
        name = entry.name if entry is not None else inputs.text(line.get("name"), f"additives.{index}.name",
                                                                "The additive's name")
        percent = inputs.number(line.get("percent"), f"additives.{index}.percent", "an additive percentage",
                                above=0, maximum=1000)
        result.append(Additive(name=name, percent=percent, library_id=entry.id if entry is not None else None))
    return result


def _library_entries(lines: list[dict], field: str, *, require_known: bool = False) -> list[GlobalItem | None]:
    """Each line's library entry (by library_id, else by exact name, case-insensitive) or None."""
    ids, names = set(), set()
    for index, raw in enumerate(lines):
        if raw.get("library_id") not in (None, ""):
            ids.add(_entry_id(raw.get("library_id"), f"{field}.{index}.library_id"))
        elif isinstance(raw.get("name"), str) and raw["name"].strip():
            names.add(raw["name"].strip().lower()[:120])
    by_id = {e.id: e for e in db.session.scalars(select(GlobalItem).where(GlobalItem.id.in_(ids)))} if ids else {}
    by_name = {e.name.lower(): e for e in db.session.scalars(
        select(GlobalItem).where(func.lower(GlobalItem.name).in_(names)))} if names else {}
    result = []
    for index, raw in enumerate(lines):
        if raw.get("library_id") not in (None, ""):
            entry = by_id.get(_entry_id(raw.get("library_id"), f"{field}.{index}.library_id"))
            if entry is None:
                raise ValidationFailed("That library entry does not exist.",
                                       fields={f"{field}.{index}.library_id": "Unknown library entry."})
        elif isinstance(raw.get("name"), str):
            entry = by_name.get(raw["name"].strip().lower())
        else:
            entry = None
        result.append(entry)
    return result


def _entry_id(value, field: str) -> int:
    """A library id: a whole number within 32 bits (ids beyond it name no entry)."""
    try:
        entry_id = int(value) if not isinstance(value, (bool, float)) else 0
    except (TypeError, ValueError):
        entry_id = 0
    if not 0 < entry_id <= 2_147_483_647:
        raise ValidationFailed("That library entry does not exist.", fields={field: "Unknown library entry."})
    return entry_id


# ---- calculation -----------------------------------------------------------------------------------

def calculate_soap(spec: SoapSpec) -> SoapResult:
    """Lye, water, batch weight and qualities for a parsed spec (pure arithmetic)."""
    keep = (HUNDRED - spec.superfat) / HUNDRED
    naoh_share = spec.naoh_percent / HUNDRED
    koh_factor = KOH_PER_NAOH / (spec.koh_purity / HUNDRED)
    lye_factor = naoh_share + (1 - naoh_share) * koh_factor  # lye per gram of NaOH-equivalent
    oils_weight = sum((oil.weight for oil in spec.oils), Decimal(0))
    lines, base = [], Decimal(0)
    for oil in spec.oils:
        naoh_equivalent = oil.weight * oil.sap_naoh * keep
        base += naoh_equivalent
        lines.append(SoapLine(name=oil.name, weight=oil.weight, percent=oil.weight * HUNDRED / oils_weight,
                              sap_naoh=oil.sap_naoh, lye_weight=naoh_equivalent * lye_factor,
                              library_id=oil.library_id))
    naoh_weight = base * naoh_share
    koh_weight = base * (1 - naoh_share) * koh_factor
    lye_weight = naoh_weight + koh_weight
    if spec.water_mode == "lye_ratio":
        water = lye_weight * spec.water_value
    elif spec.water_mode == "lye_concentration":
        water = lye_weight * (HUNDRED - spec.water_value) / spec.water_value
    else:
        water = oils_weight * spec.water_value / HUNDRED
    additive_lines = [(additive, oils_weight * additive.percent / HUNDRED) for additive in spec.additives]
    additives_weight = sum((w for _, w in additive_lines), Decimal(0))
    missing = [oil.name for oil in spec.oils if not oil.has_profile]
    profile = qualities = None
    if not missing:
        profile = {acid: sum((oil.weight * Decimal(str(oil.fatty_acids.get(acid) or 0)) for oil in spec.oils),
                             Decimal(0)) / oils_weight for acid in FATTY_ACIDS}
        qualities = {name: sum((profile[acid] for acid in acids), Decimal(0)) for name, acids in QUALITY_ACIDS.items()}
        qualities["iodine"] = sum((oil.weight * oil.iodine for oil in spec.oils), Decimal(0)) / oils_weight
        qualities["ins"] = sum((oil.weight * oil.ins for oil in spec.oils), Decimal(0)) / oils_weight
    return SoapResult(spec=spec, oils_weight=oils_weight, naoh_weight=naoh_weight, koh_weight=koh_weight,
                      lye_weight=lye_weight, water_weight=water, additives_weight=additives_weight,
                      batch_weight=oils_weight + lye_weight + water + additives_weight, lines=lines,
                      additive_lines=additive_lines, qualities=qualities, fatty_acids=profile,
                      missing_profiles=missing)


def whole(value: Decimal) -> int:
    """A quality as SoapCalc shows it: a whole number, halves rounded up."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def soap_response(result: SoapResult) -> dict:
    """The API.md JSON of a soap calculation (weights as decimal strings in the request's unit)."""
    def text(value: Decimal) -> str:
        return inputs.plain(inputs.rounded(value))

    # the batch weight is the sum of the figures shown, so the JSON adds up exactly
    parts = [result.oils_weight, result.lye_weight, result.water_weight] + [w for _, w in result.additive_lines]
    batch = sum((inputs.rounded(part) for part in parts), Decimal(0))
    body = {
        "unit": result.spec.unit,
        "oils_weight": text(result.oils_weight), "lye_weight": text(result.lye_weight),
        "water_weight": text(result.water_weight), "batch_weight": inputs.plain(batch),
        "lye": result.spec.lye,
        "lines": [{"name": line.name, "library_id": line.library_id, "weight": text(line.weight),
                   "percent": text(line.percent), "sap_naoh": inputs.plain(line.sap_naoh),
                   "lye_weight": text(line.lye_weight)} for line in result.lines],
        "qualities": {name: whole(value) for name, value in result.qualities.items()} if result.qualities else None,
        "fatty_acids": {acid: whole(value) for acid, value in result.fatty_acids.items()}
        if result.fatty_acids else None,
    }
    if result.spec.lye != "NaOH":
        body["koh_purity"] = inputs.plain(result.spec.koh_purity)
    if result.spec.additives:
        body["additives"] = [{"name": a.name, "library_id": a.library_id, "percent": inputs.plain(a.percent),
                              "weight": text(w)} for a, w in result.additive_lines]
    return body

