"""`_manifest.json`: written last into an output folder, so a folder without one is incomplete.

A manifest records what was made (row/byte counts from the Parquet footers), from what (inputs) and
how (stage config and package version). Its fingerprint lets a rerun with the same arguments skip
a finished output, redo an incomplete one, and refuse to overwrite a different dataset.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pyarrow.parquet as pq

from pipeline import __version__
from pipeline.io import storage

MANIFEST = "_manifest.json"
REJECTS = "_rejects"


class OutputConflict(Exception):
    """The output folder already holds a finished dataset made with other inputs or settings."""


def fingerprint(stage: str, inputs: list[str], config: dict) -> str:
    key = json.dumps({"stage": stage, "inputs": inputs, "config": config}, sort_keys=True, default=str)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def read_manifest(output: str) -> dict | None:
    uri = storage.join(output, MANIFEST)
    if not storage.exists(uri):
        return None
    return json.loads(storage.read_text(uri))


def prepare_output(output: str, print_id: str, overwrite: bool = False) -> bool:
    """Get `output` ready for a run. Returns False when it already holds this exact result."""
    manifest = read_manifest(output)
    if manifest is not None:
        if manifest.get("fingerprint") == print_id:
            return False
        if not overwrite:
            raise OutputConflict(
                f"{output} already holds a dataset made by stage '{manifest.get('stage')}' with other "
                "inputs or settings; choose another --output or pass --overwrite"
            )
    storage.remove_tree(output)  # an incomplete folder (no manifest) is redone from scratch
    return True


def damage(folder: str, written: dict) -> str | None:
    """What differs between `folder`'s Parquet files now and what its manifest counted when it was
    written (a part lost, added, or cut short in a copy); None when they agree."""
    expected = written.get("output", {})
    if expected.get("format", "parquet") != "parquet" or "files" not in expected:
        return None
    sizes = storage.parquet_file_sizes(folder)
    if len(sizes) != expected["files"] or sum(sizes.values()) != expected["bytes"]:
        return (
            f"{folder} holds {len(sizes)} Parquet file(s) of {sum(sizes.values()):,} bytes, but its "
            f"{MANIFEST} counted {expected['files']} of {expected['bytes']:,} bytes: files were lost, "
            "added or truncated since it was written; rerun the stage that writes it (with --overwrite)"
        )
    return None


def parquet_stats(folder: str) -> dict:
    """Rows, bytes and file count of a dataset folder, read from Parquet footers only."""
    files = storage.list_parquet_files(folder)
    rows = 0
    size = 0
    for uri in files:
        fs, path = storage.filesystem(uri)
        with fs.open_input_file(path) as handle:
            rows += pq.ParquetFile(handle).metadata.num_rows
            size += handle.size()
    return {"rows": rows, "bytes": size, "files": len(files)}


def reason_counts(rejects_dir: str) -> dict[str, int]:
    """Rejected rows per kind of reason (the text before the first ':'), most frequent first."""
    counts: dict[str, int] = {}
    for uri in storage.list_parquet_files(rejects_dir):
        fs, path = storage.filesystem(uri)
        with fs.open_input_file(path) as handle:
            parquet = pq.ParquetFile(handle)
            if "reason" not in parquet.schema_arrow.names:
                continue
            for reason in parquet.read(columns=["reason"]).column("reason").to_pylist():
                kind = (reason or "").split(":", 1)[0]
                counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def write_manifest(
    output: str, stage: str, print_id: str, inputs: list[str], config: dict, extra: dict | None = None
) -> dict:
    """Count what the stage wrote and commit the output by writing its manifest."""
    manifest = {
        "stage": stage,
        "fingerprint": print_id,
        "package_version": __version__,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "inputs": inputs,
        "config": config,
        "output": parquet_stats(output),
        **(extra or {}),
    }
    rejects_dir = storage.join(output, REJECTS)
    if storage.exists(rejects_dir):
        manifest["rejects"] = {**parquet_stats(rejects_dir), **manifest.get("rejects", {})}
        manifest.setdefault("rejects_by_reason", reason_counts(rejects_dir))
    storage.write_text_atomic(storage.join(output, MANIFEST), json.dumps(manifest, indent=2, default=str))
    return manifest
