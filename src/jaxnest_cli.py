"""The ``jaxnest`` command line: its arguments and help, nothing else.

This module sits outside the ``jaxnest`` package on purpose: importing anything inside the
package imports JAX (seconds), and ``jaxnest --help`` or ``jaxnest --version`` should answer
at once. Each command imports what it needs when it runs (``jaxnest.cli``).
"""
from __future__ import annotations

import argparse
import sys

DESCRIPTION = """\
Run, port and check PyNEST scripts with jaxnest, the PyNEST 3.x interface on JAX.
`jaxnest COMMAND --help` describes each command's options.
"""

EXAMPLES = """\
examples:
  jaxnest run brunel.py                      run a PyNEST script on jaxnest
  jaxnest run brunel.py --order 2500         ... with arguments for the script
  jaxnest port brunel.py -o brunel_jax.py    write a copy importing jaxnest; list what is missing
  jaxnest parity brunel.py --report out/     compare with NEST: out/report.html, .md, summary.json
  jaxnest parity noisy.py --seeds 4 --max-seeds 16
                                             a random script: start with 4 seeds, add up to 16
  jaxnest parity --nest-examples --jobs 2    NEST's shipped examples -> compat/examples.md
  jaxnest parity --nest-examples --only one_neuron brette_et_al_2007/coba --timeout 300
  jaxnest parity --nest-pytests --only connect
                                             NEST's own test files -> compat/nest_pytests.md
  jaxnest parity --models                    every NEST model and its status -> compat/models.md

`jaxnest parity` needs real NEST and pytest: pip install "jaxnest[parity]".
Documentation: docs/parity.md in the source tree.
"""

PARITY_EXAMPLES = "examples:\n" + "\n".join(
    ln for ln in EXAMPLES.splitlines()[1:] if "jaxnest parity" in ln or ln.startswith("     "))


def version() -> str:
    """jaxnest's version from the installed metadata (no import of the package)."""
    from importlib import metadata
    try:
        return metadata.version("jaxnest")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog):
        super().__init__(prog, max_help_position=30, width=96)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jaxnest", description=DESCRIPTION, epilog=EXAMPLES,
                                formatter_class=_Formatter)
    p.add_argument("--version", action="version", version=f"jaxnest {version()}",
                   help="print jaxnest's version and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND",
                           title="commands")

    r = sub.add_parser("run", help="run an unmodified PyNEST script on jaxnest (`import nest` "
                                   "is jaxnest)",
                       formatter_class=_Formatter,
                       description="Run a PyNEST script on jaxnest as `python script.py` would, "
                                   "with `import nest` resolving to jaxnest. The exit code is "
                                   "the script's. A Jupyter notebook (.ipynb) runs its code cells in "
                                   "order; IPython magics (%%matplotlib ...) are skipped.",
                       epilog="examples:\n  jaxnest run brunel.py --order 2500\n"
                              "  jaxnest run tutorial.ipynb")
    r.add_argument("--show", action="store_true",
                   help="keep matplotlib's interactive backend (default: Agg, show() returns)")
    r.add_argument("script", help="the PyNEST script or Jupyter notebook")
    r.add_argument("args", nargs=argparse.REMAINDER,
                   help="arguments for the script (everything after the script)")

    q = sub.add_parser("port", help="rewrite a script's nest imports to jaxnest; list what "
                                    "jaxnest lacks",
                       formatter_class=_Formatter,
                       description="Report, with line numbers, every NEST model, nest.* name, "
                                   "connection rule and parameter the script uses that jaxnest "
                                   "lacks (statically, then by a dry run under jaxnest); with "
                                   "-o, write a copy whose nest imports are jaxnest's (nothing "
                                   "else changes, line numbers included). Exit code 1 when "
                                   "something is missing.",
                       epilog="example:\n  jaxnest port brunel.py -o brunel_jax.py")
    q.add_argument("script", help="the PyNEST script")
    q.add_argument("-o", "--output", metavar="FILE", help="write the rewritten script here")
    q.add_argument("--no-dry-run", action="store_true",
                   help="static analysis only (do not run the script under jaxnest)")
    q.add_argument("--timeout", type=float, default=120.0, metavar="S",
                   help="time limit of the dry run in seconds (default 120)")
    q.add_argument("args", nargs="*", help="arguments for the dry run (after --)")

    s = sub.add_parser("parity", help="run a script under real NEST and jaxnest and compare "
                                      "what they record; or NEST's examples, tests, models",
                       formatter_class=_Formatter,
                       description="Run a script unmodified under real NEST and under jaxnest, "
                                   "each in a fresh process, and compare what its recorders "
                                   "recorded (tolerance categories in docs/parity.md). Random "
                                   "scripts run with several seeds and are compared by "
                                   "distribution. Progress goes to stderr, the verdict to "
                                   "stdout; exit code 0 for pass and runs, 1 otherwise.",
                       epilog=PARITY_EXAMPLES)
    s.add_argument("script", nargs="?", help="the PyNEST script to compare")
    s.add_argument("--seeds", type=int, default=None, metavar="N",
                   help="seeds a seed-dependent script starts with (default 3)")
    s.add_argument("--max-seeds", type=int, default=None, metavar="N",
                   help="most seeds to run while a check cannot tell a 5 %% bias from noise "
                        "(default 10; --nest-examples 8)")
    s.add_argument("--report", metavar="DIR",
                   help="write report.md, report.html and summary.json here (with "
                        "--nest-examples: one report per compared example)")
    s.add_argument("--timeout", type=float, default=None, metavar="S",
                   help="time limit per run in seconds (default 600; --nest-examples 60)")
    s.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="2: run NEST and jaxnest side by side (faster, noisier timings); "
                        "--nest-pytests: test directories at once (default 2 there)")
    s.add_argument("--quiet", action="store_true",
                   help="no progress lines on stderr")
    s.add_argument("--nest-examples", action="store_true",
                   help="run NEST's shipped examples; writes OUT/examples.md and .json")
    s.add_argument("--only", nargs="+", metavar="NAME",
                   help="with --nest-examples: example names (one_neuron, "
                        "brette_et_al_2007/coba, sudoku); with --nest-pytests: "
                        "directories (the others keep their results in OUT)")
    s.add_argument("--resume", action="store_true",
                   help="with --nest-examples: keep results already in OUT/examples.json")
    s.add_argument("--nest-pytests", action="store_true",
                   help="run NEST's pytest files against jaxnest; writes OUT/nest_pytests.md")
    s.add_argument("--test-timeout", type=float, default=60.0, metavar="S",
                   help="with --nest-pytests: limit per test in seconds (default 60)")
    s.add_argument("--dir-timeout", type=float, default=1800.0, metavar="S",
                   help="with --nest-pytests: limit per test directory in seconds "
                        "(default 1800)")
    s.add_argument("--models", action="store_true",
                   help="write OUT/models.md: every NEST 3.10 model and jaxnest's support")
    s.add_argument("--out", default="compat", metavar="OUT",
                   help="directory of the compatibility files (default compat)")
    s.add_argument("args", nargs="*", help="arguments for the script (after --)")
    return p


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line; for port and parity everything after ``--`` is the script's
    (argparse's subparsers do not pass ``--`` through)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if argv and argv[0] in ("port", "parity") and "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    args = build_parser().parse_args(argv)
    if extra:
        args.args = [*args.args, *extra]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    from jaxnest import cli  # imports JAX: only once a command runs
    return getattr(cli, f"cmd_{args.command}")(args)


if __name__ == "__main__":
    sys.exit(main())
