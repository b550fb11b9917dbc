"""The bundled example scenarios, loaded by name (``importlib.resources``: works installed)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .io import load_scenario
from .scenario import Scenario


def _folder():
    return resources.files("scenarios") / "examples"


def list_examples() -> list[str]:
    """Names of the bundled scenarios ("default" first, then alphabetical)."""
    names = sorted(p.name[: -len(".yaml")] for p in _folder().iterdir() if p.name.endswith(".yaml"))
    return sorted(names, key=lambda n: (n != "default", n))


def example_path(name: str) -> Path:
    """Path of the bundled scenario ``name``."""
    if name not in list_examples():
        raise ValueError(f"unknown example {name!r}; bundled: {', '.join(list_examples())}")
    return Path(str(_folder() / f"{name}.yaml"))


def load_example(name: str) -> Scenario:
    """The bundled scenario ``name``, validated."""
    return load_scenario(example_path(name))


def describe_example(name: str) -> str:
    """The first paragraph of the file's comment header, on one line."""
    lines = []
    for line in example_path(name).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        text = line.lstrip("#").strip()
        if not text and lines:
            break
        lines.append(text)
    return " ".join(lines)
