"""dbt data tests as asset checks with names and descriptions that say what they assert.

dagster-dbt names a check after the dbt test (`accepted_range_fct_site_hourly_footfall__0`,
truncated with a hash past 64 characters) and describes it only from `meta.description`,
so the UI showed "No description provided". The test nodes of the manifest handed to
`@dbt_assets` get a readable `name` and a `meta.description` here; dagster-dbt uses that
manifest both for the check definitions and to match dbt's test results at run time, and
selects tests by their fully qualified name, which is left as dbt wrote it.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from orchestration.lib.dbt_graph import walk

MAX_NAME = 64


def _slug(text: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", text.lower())).strip("_")


def _target(ref: str) -> str:
    """`ref('dim_site')` or `source('raw', 'sites')` -> the last name in it."""
    names = re.findall(r"'([^']+)'|\"([^\"]+)\"", ref)
    return next((a or b for a, b in reversed(names)), ref)


def _first_comment(sql: str) -> str:
    for line in sql.splitlines():
        if line.strip().startswith("--"):
            return line.strip().lstrip("-").strip()
    return ""


def describe(node: Mapping[str, Any]) -> tuple[str, str]:
    """(check name, description) for one dbt test node."""
    metadata = node.get("test_metadata") or {}
    kind, kwargs = metadata.get("name"), metadata.get("kwargs") or {}
    column = kwargs.get("column_name") or node.get("column_name") or ""
    if not kind:  # a singular test: its file name says it, its yml or first comment explains
        return node["name"], node.get("description") or _first_comment(node.get("raw_code", ""))
    if kind == "unique":
        name, text = f"{column}_is_unique", f"No two rows share a `{column}`."
    elif kind == "not_null":
        name, text = f"{column}_is_not_null", f"`{column}` is never null."
    elif kind == "relationships":
        target, field = _target(str(kwargs.get("to", ""))), kwargs.get("field", column)
        name = f"{column}_exists_in_{target}"
        text = f"Every `{column}` is a `{field}` of `{target}` (no orphan rows)."
    elif kind == "accepted_values":
        values = ", ".join(str(v) for v in kwargs.get("values", []))
        name, text = f"{column}_is_an_accepted_value", f"`{column}` is one of: {values}."
    elif kind == "accepted_range":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        bounds = (f"between {low} and {high}" if low is not None and high is not None
                  else f"at least {low}" if low is not None else f"at most {high}")
        name, text = f"{column}_in_range", f"`{column}` is {bounds} wherever it is set."
    elif kind == "unique_combination_of_columns":
        columns = list(kwargs.get("combination_of_columns", []))
        name = "one_row_per_" + "_".join(columns)
        text = f"One row per ({', '.join(columns)}): the grain of the table."
    elif kind == "non_negative":
        columns = list(kwargs.get("columns", []))
        name = "non_negative_measures"
        text = f"Never negative wherever set: {', '.join(f'`{c}`' for c in columns)}."
    elif kind == "null_when":
        condition = str(kwargs.get("condition", ""))
        name = f"{column}_null_when_{_slug(condition)}"
        text = f"`{column}` is null whenever `{condition}`: a missing source is null, never zero."
    elif kind == "expression_is_true":
        expression = str(kwargs.get("expression", ""))
        name, text = f"holds_{_slug(expression)}", f"`{expression}` holds on every row."
    else:
        shown = {k: v for k, v in kwargs.items() if k != "model"}
        name, text = node["name"], f"dbt test `{kind}` with {shown}."
    where = (node.get("config") or {}).get("where")
    if where:
        text += f" Only rows where `{where}`."
    return _slug(name)[:MAX_NAME].strip("_"), text


def readable_tests(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the manifest whose test nodes carry readable names and descriptions."""
    renamed = copy.deepcopy(dict(manifest))
    taken: dict[str, set[str]] = defaultdict(set)
    for unique_id in sorted(renamed["nodes"]):
        node = renamed["nodes"][unique_id]
        if node.get("resource_type") != "test":
            continue
        name, text = describe(node)
        if (node.get("config") or {}).get("severity", "error").lower() == "warn":
            text += " Warns, never fails the run."
        owner = node.get("attached_node") or ",".join(node["depends_on"]["nodes"])
        candidate, n = name, 2
        while candidate in taken[owner]:
            candidate, n = f"{name[: MAX_NAME - 3]}_{n}", n + 1
        taken[owner].add(candidate)
        node["name"] = candidate
        node["meta"] = {**(node.get("meta") or {}), "description": text}
        _attach_singular(renamed, node)
    return renamed


def _attach_singular(manifest: Mapping[str, Any], node: dict[str, Any]) -> None:
    """A singular test over several models checks the one built last (the daily-equals-
    hourly test checks fct_site_daily), or among models built side by side the one its name
    mentions: say so in `meta.dagster.ref`, the way dagster-dbt asks, so the test shows as
    that asset's check instead of only in the dbt log."""
    parents = sorted(p for p in node["depends_on"]["nodes"] if p in manifest["nodes"])
    if node.get("test_metadata") or len(parents) < 2:
        return
    upstream = set().union(*(walk([p], manifest["parent_map"]) for p in parents))
    last = [p for p in parents if p not in upstream]
    named = [p for p in last
             if manifest["nodes"][p]["name"].split("_", 1)[-1] in node["name"]]
    target = (named or last or parents)[0]
    meta = node.setdefault("config", {}).setdefault("meta", {})
    meta.setdefault("dagster", {})["ref"] = {"name": manifest["nodes"][target]["name"]}
