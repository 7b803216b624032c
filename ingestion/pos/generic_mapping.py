"""mapping.yaml of a generic POS CSV folder (docs/landing-layout.md), read and checked.

A SAP or Oracle export loads without code: the mapping names the column holding each
canonical field. Required fields are the ones a transaction cannot exist without; every
other field may be left out and is then null (or, for `type`, `sale`; for `line_no`, the
line's position within its run of lines in the file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REQUIRED_FIELDS = ("external_id", "location_id", "ts", "quantity", "line_amount", "currency")
OPTIONAL_FIELDS = (
    "line_no", "type", "sku", "product_name", "category", "unit_price", "discount", "tax",
    "staff_id", "customer_id", "payment_method",
)
MONEY_FIELDS = ("unit_price", "line_amount", "discount", "tax")
TYPES = ("sale", "return", "exchange", "void")


class MappingError(ValueError):
    """The mapping itself is wrong: the whole file is quarantined with BAD_MAPPING."""


@dataclass(frozen=True)
class Mapping:
    source_system: str
    columns: dict[str, str]  # canonical field -> column in the file
    delimiter: str = ","
    timestamp_format: str | None = None  # None: ISO 8601
    type_values: dict[str, str] = field(default_factory=dict)  # file value -> canonical type
    decimal_separator: str = "."

    @classmethod
    def from_yaml(cls, text: str | bytes) -> Mapping:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise MappingError(f"mapping.yaml is not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise MappingError("mapping.yaml must be a mapping")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mapping:
        system = data.get("source_system")
        if not isinstance(system, str) or not system.strip():
            raise MappingError("mapping.yaml needs source_system")
        columns = data.get("columns")
        if not isinstance(columns, dict):
            raise MappingError("mapping.yaml needs columns: {canonical field: file column}")
        unknown = set(columns) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS)
        if unknown:
            raise MappingError(f"mapping.yaml maps unknown fields: {sorted(unknown)}")
        missing = [name for name in REQUIRED_FIELDS if not columns.get(name)]
        if missing:
            raise MappingError(f"mapping.yaml does not map required fields: {missing}")
        type_values = {str(k): str(v) for k, v in (data.get("type_values") or {}).items()}
        bad_types = sorted(set(type_values.values()) - set(TYPES))
        if bad_types:
            raise MappingError(f"type_values map to unknown types {bad_types}; use {TYPES}")
        delimiter = str(data.get("delimiter", ","))
        decimal_separator = str(data.get("decimal_separator", "."))
        if len(delimiter) != 1 or decimal_separator not in (".", ","):
            raise MappingError("delimiter must be one character, decimal_separator . or ,")
        return cls(
            source_system=system.strip(),
            columns={k: str(v) for k, v in columns.items() if v},
            delimiter=delimiter,
            timestamp_format=data.get("timestamp_format"),
            type_values=type_values,
            decimal_separator=decimal_separator,
        )

    @classmethod
    def from_file(cls, path: Path) -> Mapping:
        if not path.is_file():
            raise MappingError(f"no mapping.yaml at {path}")
        return cls.from_yaml(path.read_bytes())
