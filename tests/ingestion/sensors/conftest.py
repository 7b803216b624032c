"""Make `ingestion.sensors` the real package, not this test folder.

pytest puts tests/ on sys.path (rootdir conftest), so `ingestion` can resolve to the
namespace package tests/ingestion, and then `ingestion.sensors` to THIS folder. Until the
pytest config sets `pythonpath = ["."]`, register the real package explicitly.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_REAL = Path(__file__).resolve().parents[3] / "ingestion" / "sensors"


def _ensure_real_sensors_package() -> None:
    current = sys.modules.get("ingestion.sensors")
    if current is not None and getattr(current, "__file__", None):
        return
    import ingestion

    if getattr(ingestion, "__file__", None):
        return  # the real ingestion package: normal imports work
    spec = importlib.util.spec_from_file_location(
        "ingestion.sensors", _REAL / "__init__.py", submodule_search_locations=[str(_REAL)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ingestion.sensors"] = module
    spec.loader.exec_module(module)


_ensure_real_sensors_package()


from tests.ingestion.bad_input_warehouse import wh  # noqa: E402,F401  (the warehouse fixture)
