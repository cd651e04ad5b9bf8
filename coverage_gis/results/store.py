"""The stored result (being written)."""
from __future__ import annotations
from pathlib import Path
from typing import Any
STORE_NAMES: tuple[str, ...] = ()


def save_analysis(analysis: Any, folder: Path) -> list[Path]:
    return []
