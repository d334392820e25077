"""Column layouts of published datasets, for `corpus ingest-dataset --preset NAME`.

A preset names the source columns behind our targets (`content`, `path`, `repo`, `language`, ...), the
kind of rows it holds and the `source` column its rows get. Preset columns are used where a file has
them (a derivative that dropped `max_stars_repo_head_hexsha` still reads); `--columns` given by the user
are checked: a column absent from every input file is an error before any work. Source columns no
target takes are kept in `source_meta` (or dropped with `--drop-unmapped`); `recomputed` columns are
ours, computed again on ingest (an id, a size, a reason), and dropped.

Where each name comes from is written next to it. The Hugging Face cards of `bigcode/the-stack*` and
`bigcode/starcoderdata` are gated: their column lists were read from the `dataset_info` of public
copies and subsets that keep the original columns (named below), not from the gated cards themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FOLDER = "@folder"  # a pseudo-column: the name of the folder holding the file (starcoderdata's language)

# Targets: the columns a mapping may fill, per kind of rows. `language` is the source's own label: it
# goes to `source_language` (our detection fills `language` / `nl_language`). `id` is the source's own
# id: kept in `source_id`, and our `id` is derived from it.
COMMON_TARGETS = ("content", "id", "source", "language")
TARGETS = {
    "files": COMMON_TARGETS + ("path", "repo", "license", "commit", "encoding", "url"),
    "pages": COMMON_TARGETS + ("url", "warc_date", "warc_record_id", "html_bytes"),
    "text": COMMON_TARGETS + ("url",),
}
KINDS = tuple(TARGETS)


@dataclass(frozen=True)
class Preset:
    name: str
    kind: str
    source: str | None  # the `source` column of the rows; None: --source-name, else "dataset"
    columns: dict[str, str]  # target -> source column (or FOLDER)
    about: str  # what the layout is and where the column names were read
    recomputed: tuple[str, ...] = ()  # source columns of ours that ingest computes again: dropped
    note: str = ""  # what a user should know (ids, uncertain names)
    aliases: tuple[str, ...] = field(default=())


# The Stack v1 (bigcode/the-stack, 2022) and its near-deduplicated version bigcode/the-stack-dedup, Parquet
# under data/<language>/train-*.parquet. Columns (dataset_info features, as in the public copies
# devngho/the-stack-mini, christopher/stack-smol-xxl and xlangai/the-stack-vault on huggingface.co):
# hexsha, size, ext, lang, max_stars_repo_path, max_stars_repo_name, max_stars_repo_head_hexsha,
# max_stars_repo_licenses (list of strings), max_stars_count, max_stars_repo_stars_event_min_datetime,
# max_stars_repo_stars_event_max_datetime, the same seven for max_issues_* and max_forks_*
# (max_issues_count, max_forks_count), content, avg_line_length, max_line_length, alphanum_fraction.
# `hexsha` is the blob's git SHA: the same file in several repositories has one, so it is not our id.
# That v1-dedup has exactly v1's columns is from its card's description, not checked on a copy.
STACK_V1 = Preset(
    "stack-v1",
    "files",
    "github",
    {
        "content": "content",
        "path": "max_stars_repo_path",
        "repo": "max_stars_repo_name",
        "language": "lang",
        "license": "max_stars_repo_licenses",
        "commit": "max_stars_repo_head_hexsha",
    },
    "The Stack v1 / v1-dedup (bigcode/the-stack, bigcode/the-stack-dedup): Parquet with file contents; the "
    "file is named after the repository with the most stars holding it (max_stars_*)",
    note="ids from repo and path (hexsha is a blob hash shared by copies); hexsha, size, ext, the max_issues_*/"
    "max_forks_* columns and the line statistics go to source_meta",
    aliases=("stack-v1-dedup", "the-stack", "the-stack-dedup"),
)

# The Stack v2 (bigcode/the-stack-v2, -dedup, 2024) ships metadata only; the contents are Software Heritage
# blobs (`corpus ingest-swh` reads them). "With contents" is the same table plus a `content` column, as
# written by the download script of its card or shared that way (ningani/thestack-v2-cpp-2019-blamed-ft).
# Columns (the viewer of Reset23/the-stack-v2 and the card of ningani/stack-v2-cpp-2019): blob_id,
# directory_id, path (starts with "/": the leading slash is dropped), content_id, detected_licenses (list),
# license_type, repo_name, snapshot_id, revision_id, branch_name, visit_date, revision_date,
# committer_date, github_id, star_events_count, fork_events_count, gha_license_id, gha_event_created_at,
# gha_created_at, gha_language, src_encoding, language, is_vendor, is_generated, length_bytes, extension.
STACK_V2 = Preset(
    "stack-v2",
    "files",
    "github",
    {
        "content": "content",
        "path": "path",
        "repo": "repo_name",
        "language": "language",
        "license": "detected_licenses",
        "commit": "revision_id",
        "encoding": "src_encoding",
    },
    "The Stack v2 with contents (bigcode/the-stack-v2 metadata plus a `content` column; without it, use "
    "`corpus ingest-swh`)",
    note="ids from repo and path (blob_id is a content hash shared by copies); is_vendor/is_generated are "
    "kept in source_meta, ours are computed",
    aliases=("stack-v2-dedup", "the-stack-v2"),
)

# StarCoder's training data (bigcode/starcoderdata, 2023): Parquet under <language>/train-*.parquet (one
# folder per language: `load_dataset("bigcode/starcoderdata", data_dir="python")`), no language column.
# Columns (the dataset_info of zhensuuu/starcoderdata_100star_py, jon-tow/starcoderdata-python-edu,
# NLTuan/starcoderdata): max_stars_repo_path, max_stars_repo_name, max_stars_count, id, content.
# `id` is a string; we could not check that it is unique across the language folders, so our ids come
# from repo and path and `id` stays in source_meta. vikp/starcoder_cleaned's card says some contents
# begin with metadata tags (`<reponame>`...): they are kept as they are.
STARCODERDATA = Preset(
    "starcoderdata",
    "files",
    "github",
    {
        "content": "content",
        "path": "max_stars_repo_path",
        "repo": "max_stars_repo_name",
        "language": FOLDER,
    },
    "StarCoder training data (bigcode/starcoderdata): the source's language is the folder name (python/, java/, ...)",
    note="the folder label is only right for that layout: give --columns language=... otherwise",
)

# A web-text table: FineWeb / FineWeb-Edu (HuggingFaceFW/fineweb: text, id, dump, url, date, file_path,
# language, language_score, token_count; the dataset_info of ServiceNow/fineweb-sample and
# science-of-finetuning/fineweb-1m-sample), and the `text` + `url` of C4-style sets (allenai/c4: text,
# timestamp, url, from memory). Columns a set lacks (C4 has no id, no language) are simply absent.
WEB_TEXT = Preset(
    "web-text",
    "text",
    "web",
    {"content": "text", "url": "url", "id": "id", "language": "language"},
    "Natural-language web text (FineWeb, C4-style: text, url, id); feeds the natural-language share of a mix",
)

# Our own `files` and `pages` datasets (pipeline/schema.py FILES_SCHEMA / PAGES_SCHEMA), written by another
# run or exported: the ids come out the same (source, repo, path / url), our previous `language` becomes
# `source_language`.
OURS_FILES = Preset(
    "files",
    "files",
    None,
    {
        "content": "content",
        "source": "source",
        "path": "path",
        "repo": "repo_name",
        "language": "language",
        "license": "license",
        "commit": "commit",
        "url": "url",
    },
    "Our own files layout (FILES_SCHEMA)",
    recomputed=("id", "size_bytes", "is_vendored", "is_generated", "reason", "source_language", "source_id"),
)
OURS_PAGES = Preset(
    "pages",
    "pages",
    None,
    {
        "content": "content",
        "source": "source",
        "url": "url",
        "language": "nl_language",
        "warc_date": "warc_date",
        "warc_record_id": "warc_record_id",
        "html_bytes": "html_bytes",
    },
    "Our own pages layout (PAGES_SCHEMA)",
    recomputed=(
        "id",
        "size_bytes",
        "domain",
        "nl_score",
        "reason",
        "repo_name",
        "path",
        "language",
        "source_language",
        "source_id",
    ),
)

PRESETS: dict[str, Preset] = {
    preset.name: preset for preset in (STACK_V1, STACK_V2, STARCODERDATA, WEB_TEXT, OURS_FILES, OURS_PAGES)
}
NAMES: dict[str, Preset] = {name: p for p in PRESETS.values() for name in (p.name, *p.aliases)}


def get_preset(name: str) -> Preset:
    return NAMES[name]


def matching_preset(columns) -> Preset | None:
    """The preset whose columns the given ones hold best (all of its `content`, `path`, `repo` or
    `url`, and most of the rest), or None: what an error message suggests for a foreign table."""
    present = set(columns)
    best, best_score = None, 0.0
    for preset in PRESETS.values():
        used = {c for c in preset.columns.values() if c != FOLDER}
        key = {preset.columns[t] for t in ("content", "path", "repo", "url") if t in preset.columns}
        if not key <= present:
            continue
        score = len(used & present) / len(used) + 0.01 * len(used & present)  # more columns matched: more specific
        if score > best_score:
            best, best_score = preset, score
    return best
