"""`corpus all`'s plan: every input kind wired to its stages and into tokenize and the mix."""

from jobs.run_all import build_parser, plan


def planned(*argv):
    steps = plan(build_parser().parse_args(["--repos", "repos", "--output", "out", *argv]))
    return {label: (name, args) for label, name, args in steps}


def test_every_input_kind_reaches_tokenize_and_the_mix():
    steps = planned("--warcs", "a.warc.gz", "--text", "t.jsonl", "--issues", "events")
    assert steps["ingest-issues"] == ("ingest-issues", ["--input", "events", "--output", "out/issues"])
    assert steps["redact issues"][1][:4] == ["--input", "out/issues", "--output", "out/issues_redacted"]
    tokenize_args = steps["tokenize"][1]
    inputs = tokenize_args[1 : tokenize_args.index("--output")]
    assert inputs == ["out/samples_redacted", "out/pages_redacted", "out/text_redacted", "out/issues_redacted"]
    assert steps["mix"][1][-2:] == ["--target", "code=0.6,math=0.1,text=0.3"]


def test_without_issues_there_is_no_issues_stage():
    steps = planned()
    assert not [label for label in steps if "issues" in label]
    assert steps["mix"][1][-2:] == ["--target", "code=1.0"]
