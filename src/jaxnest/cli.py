"""``jaxnest run | port | parity``: run, port and check PyNEST scripts against real NEST.

    jaxnest run script.py [args...]          run an unmodified PyNEST script on jaxnest
    jaxnest port script.py -o out.py         rewrite its imports; list what jaxnest lacks
    jaxnest parity script.py [--seeds N] [--report DIR] [-- script args]
    jaxnest parity --nest-examples [--timeout S] [--only NAME ...]
    jaxnest parity --nest-pytests [--only DIR ...]
    jaxnest parity --models
"""
from __future__ import annotations

import argparse
import os
import runpy
import sys


def cmd_run(args) -> int:
    """Execute the script as ``python script.py`` would, with ``import nest`` -> jaxnest."""
    from .parity.alias import headless_matplotlib, install_nest_alias
    if not args.show:
        headless_matplotlib()
    install_nest_alias()
    script = os.path.abspath(args.script)
    sys.argv = [args.script, *args.args]
    sys.path.insert(0, os.path.dirname(script))
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


def cmd_port(args) -> int:
    from .parity import port
    with open(args.script) as f:
        source = f.read()
    findings = port.analyse(source, args.script)
    if args.output:
        with open(args.output, "w") as f:
            f.write(port.rewrite(source))
        print(f"wrote {args.output}")
    if findings:
        print(f"static: {len(findings)} use(s) of things jaxnest does not support:")
        for x in findings:
            print(f"  {args.script}:{x.line}: {x.kind} {x.name}"
                  + (f" ({x.detail})" if x.detail else ""))
    else:
        print("static: everything the script names is supported")
    if not args.no_dry_run:
        dry, run = port.dry_run(args.script, args.timeout, args.args)
        if dry:
            for x in dry:
                print(f"dry run: {args.script}:{x.line}: {x.kind} {x.name}"
                      + (f" ({x.detail})" if x.detail and x.detail != "dry run" else ""))
            findings += dry
        else:
            print(f"dry run: completed under jaxnest in {run.wall_s:.1f} s")
    return 1 if findings else 0


def cmd_parity(args) -> int:
    if args.models:
        from .parity import models_matrix
        print(f"wrote {models_matrix.write(args.out)}")
        return 0
    if args.nest_examples:
        from .parity import examples
        recs = examples.sweep(only=args.only, timeout=args.timeout or 60.0, seeds=args.seeds or 2,
                              out_dir=args.out, report_dir=args.report, jobs=args.jobs,
                              resume=args.resume)
        print("totals:", examples.totals(recs))
        print(f"wrote {os.path.join(args.out, 'examples.md')}")
        return 0
    if args.nest_pytests:
        from .parity import pytests
        tot = pytests.sweep(out_dir=args.out, only=args.only, test_timeout=args.test_timeout,
                            dir_timeout=args.dir_timeout, jobs=args.jobs or 2)
        print("totals:", tot)
        print(f"wrote {os.path.join(args.out, 'nest_pytests.md')}")
        return 0
    if not args.script:
        print("jaxnest parity: give a script, --nest-examples, --nest-pytests or --models",
              file=sys.stderr)
        return 2
    from .parity.harness import run_parity
    from .parity.report import write_report
    run = run_parity(args.script, seeds=args.seeds or 3, timeout=args.timeout or 600,
                     args=args.args, jobs=args.jobs)
    print(f"{run.name}: {run.status} - {run.reason}")
    for backend, runs in (("NEST", run.nest_runs), ("jaxnest", run.jax_runs)):
        for r in runs:
            wall = f"{r.wall_s:.2f} s" if r.wall_s is not None else "n/a"
            print(f"  {backend} seed {r.seed_index}: {'ok' if r.ok else r.error_text}, {wall}")
    if run.comparison:
        for c in run.comparison.checks:
            if not c.passed:
                print(f"  FAIL {c.where} {c.quantity} [{c.category}]: {c.deviation:.3g} > "
                      f"{c.tolerance:.3g} {c.note}")
    if args.report:
        paths = write_report(run, args.report)
        print(f"report: {paths['html']} ({paths['md']}, {paths['json']})")
    return 0 if run.status in ("pass", "runs") else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jaxnest", description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run an unmodified PyNEST script on jaxnest")
    r.add_argument("--show", action="store_true",
                   help="keep matplotlib's interactive backend (default: Agg, show() returns)")
    r.add_argument("script")
    r.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script")
    r.set_defaults(func=cmd_run)

    q = sub.add_parser("port", help="rewrite a script's nest imports; report what is missing")
    q.add_argument("script")
    q.add_argument("-o", "--output", help="write the rewritten script here")
    q.add_argument("--no-dry-run", action="store_true", help="static analysis only")
    q.add_argument("--timeout", type=float, default=120.0, help="dry-run limit (s)")
    q.add_argument("args", nargs="*", help="arguments for the dry run (after --)")
    q.set_defaults(func=cmd_port)

    s = sub.add_parser("parity", help="run under real NEST and jaxnest and compare")
    s.add_argument("script", nargs="?")
    s.add_argument("--seeds", type=int, default=None,
                   help="seeds for seed-dependent scripts (default 3; examples 2)")
    s.add_argument("--report", help="directory for report.md/.html/summary.json "
                                    "(with --nest-examples: one report per compared example)")
    s.add_argument("--timeout", type=float, default=None,
                   help="limit per run in seconds (default 600; examples 60)")
    s.add_argument("--jobs", type=int, default=1,
                   help="run the two backends side by side (2) or one after the other (1)")
    s.add_argument("--nest-examples", action="store_true",
                   help="run NEST's shipped examples; writes OUT/examples.md and .json")
    s.add_argument("--only", nargs="+", help="with --nest-examples: example names; "
                                             "with --nest-pytests: directories")
    s.add_argument("--resume", action="store_true",
                   help="with --nest-examples: keep results already in OUT/examples.json")
    s.add_argument("--nest-pytests", action="store_true",
                   help="run NEST's pytest files against jaxnest; writes OUT/nest_pytests.md")
    s.add_argument("--test-timeout", type=float, default=60.0,
                   help="with --nest-pytests: limit per test in seconds")
    s.add_argument("--dir-timeout", type=float, default=1800.0,
                   help="with --nest-pytests: limit per test directory in seconds")
    s.add_argument("--models", action="store_true", help="write OUT/models.md")
    s.add_argument("--out", default="compat", help="directory of the compat files")
    s.add_argument("args", nargs="*", help="arguments for the script (after --)")
    s.set_defaults(func=cmd_parity)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
