"""The languages' own compilers as ground truth for the syntax rule (bench only): its false rejects, and
the damaged copies that are still valid code, which no syntax check can reject.

A real file the syntax rule rejects is a *false* reject only if it is valid code of its language. For
Python (CPython's own parser, `compile(..., PyCF_ONLY_AST)`) and JavaScript (V8 through Node.js, as a
script or else as a module) the compiler decides; elsewhere there is none on this machine and every
file counts as valid. Files the compiler rejects (Python 2, Poly/ML `.pyp`, a linter's invalid-syntax
inputs, templates named `.js`) are counted apart.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import tempfile
import warnings

# V8 parses without running: a script first, then a module (import/export). Shebang lines are legal in both.
NODE_CHECK = r"""
const vm = require('vm'); const fs = require('fs');
const paths = fs.readFileSync(0, 'utf8').split('\n').filter(Boolean);
const results = paths.map((path) => {
  const source = fs.readFileSync(path, 'utf8').replace(/^#!.*/, '');
  try { new vm.Script(source); return '1'; } catch (e) {}
  try { new vm.SourceTextModule(source); return '1'; } catch (e) {}
  return '0';
});
process.stdout.write(results.join('\n') + '\n');
"""
CHECKED = ("Python", "JavaScript")


def python_accepts(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences are warnings, not errors
        try:
            compile(text, "<file>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


def javascript_accepts(paths: list[str]) -> list[bool] | None:
    node = shutil.which("node")
    if node is None:
        return None
    done = subprocess.run(
        [node, "--experimental-vm-modules", "--no-warnings", "-e", NODE_CHECK],
        input="\n".join(paths) + "\n",
        capture_output=True,
        text=True,
        timeout=600,
    )
    flags = done.stdout.split()
    return [flag == "1" for flag in flags] if done.returncode == 0 and len(flags) == len(paths) else None


def accepted(rows: list[dict]) -> dict[str, bool]:
    """Row id -> whether its language's compiler accepts the row's `content`, for the rows of CHECKED
    languages (JavaScript contents are written to a temporary folder for Node)."""
    found = {r["id"]: python_accepts(r["content"]) for r in rows if r["language"] == "Python"}
    scripts = [r for r in rows if r["language"] == "JavaScript"]
    if not scripts:
        return found
    with tempfile.TemporaryDirectory() as folder:
        paths = [os.path.join(folder, f"{index}.js") for index in range(len(scripts))]
        for path, r in zip(paths, scripts, strict=True):
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(r["content"])
        flags = javascript_accepts(paths)
    if flags is not None:
        found.update({r["id"]: flag for r, flag in zip(scripts, flags, strict=True)})
    return found
