"""Arguments shared by every stage, and TOML config files: defaults in code < --config < flags.

`corpus <stage>` and `spark-submit jobs/<stage>.py` parse their arguments with `parse_stage_args`.
"""

from __future__ import annotations

import argparse
import tomllib


class UsageError(Exception):
    """A mistake in what the user asked for; printed as one line, without a traceback."""


def stage_parser(stage: str, description: str, input_required: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"corpus {stage}", description=description)
    parser.add_argument(
        "--input", nargs="+", required=input_required, help="input dataset folder(s), glob(s) or URI(s)"
    )
    parser.add_argument("--output", required=True, help="output dataset folder (local path or s3://...)")
    table = stage.replace("-", "_")
    parser.add_argument("--config", help=f"TOML file; keys of its [{table}] table override the defaults")
    parser.add_argument("--overwrite", action="store_true", help="replace an output made with other settings")
    parser.add_argument(
        "--s3-endpoint-url",
        help="S3-compatible store (MinIO, Ceph...) for s3:// inputs and outputs; default: $AWS_ENDPOINT_URL, else AWS",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


# Arguments that say where data goes or how to report, not what the result is.
NOT_IN_FINGERPRINT = {
    "input",
    "output",
    "config",
    "overwrite",
    "debug",
    "s3_endpoint_url",
    "swh_concurrency",
    "swh_rows_per_task",
    "retries",
    "fetch_timeout",
}


def parse_stage_args(parser: argparse.ArgumentParser, argv: list[str] | None, stage: str) -> argparse.Namespace:
    args = parser.parse_args(argv)
    if args.config:
        table = load_config(args.config).get(stage.replace("-", "_"), {})
        known = {action.dest for action in parser._actions}
        unknown = sorted(set(table) - known)
        if unknown:
            raise UsageError(
                f"{args.config}: unknown key(s) in [{stage.replace('-', '_')}]: {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known - NOT_IN_FINGERPRINT - {'help'}))}"
            )
        parser.set_defaults(**table)
        args = parser.parse_args(argv)  # flags given on the command line still win
    return args


def load_config(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: not valid TOML: {error}") from None


def stage_settings(args: argparse.Namespace) -> dict:
    """The arguments that determine a stage's result (recorded in its manifest)."""
    return {k: v for k, v in sorted(vars(args).items()) if k not in NOT_IN_FINGERPRINT}
