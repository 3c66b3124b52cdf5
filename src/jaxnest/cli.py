"""The commands of ``jaxnest run | port | parity`` (arguments and help: jaxnest_cli.py, which
answers ``--help`` and ``--version`` without importing JAX)."""
from __future__ import annotations

import os
import runpy
import sys


def notebook_source(path: str) -> str:
    """A Jupyter notebook's code cells as one script, in order. IPython's line magics and
    shell escapes (``%matplotlib inline``, ``!pip ...``) become comments: they configure the
    notebook front end, not the simulation (a cell magic, ``%%...``, comments its cell)."""
    import json
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    cells = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        lines = ("".join(src) if isinstance(src, list) else src).splitlines()
        if lines and lines[0].lstrip().startswith("%%"):
            lines = ["# " + ln for ln in lines]
        cells.append("\n".join("# " + ln if ln.lstrip().startswith(("%", "!")) else ln
                               for ln in lines))
    return "\n\n".join(cells) + "\n"


class _Cells:
    """The loader of a notebook's ``__main__``: tracebacks read the joined code cells from it
    (linecache asks a module's ``__loader__`` for the source of a file it cannot open)."""

    def __init__(self, source: str):
        self.source = source

    def get_source(self, name: str) -> str:
        return self.source


def _execute(script: str) -> None:
    """Run a script (or a notebook's code cells) as ``__main__``. A notebook's uncaught
    exception is printed here, exit code 1, as Python would, but by the traceback module:
    it quotes the code cells (Python's own hook reads source lines from files only). A
    notebook runs in its own directory, as Jupyter runs it (its relative paths resolve)."""
    if not script.endswith(".ipynb"):
        runpy.run_path(script, run_name="__main__")
        return
    source = notebook_source(script)
    main = type(sys)("__main__")
    main.__file__, main.__loader__ = script, _Cells(source)
    code = compile(source, f"{script} (code cells)", "exec")
    saved, cwd = sys.modules.get("__main__"), os.getcwd()
    sys.modules["__main__"] = main
    os.chdir(os.path.dirname(script))
    try:
        exec(code, main.__dict__)
    except Exception:
        import traceback
        traceback.print_exc()
        raise SystemExit(1) from None
    finally:
        sys.modules["__main__"] = saved
        os.chdir(cwd)


def cmd_run(args) -> int:
    """Execute the script as ``python script.py`` would, with ``import nest`` -> jaxnest.
    A Jupyter notebook (``.ipynb``) runs its code cells in order, as "Run All" would."""
    from .parity.alias import headless_matplotlib, install_nest_alias
    if not args.show:
        headless_matplotlib()
    install_nest_alias()
    script = os.path.abspath(args.script)
    sys.argv = [args.script, *args.args]
    sys.path.insert(0, os.path.dirname(script))
    try:
        _execute(script)
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
        recs = examples.sweep(only=args.only, timeout=args.timeout or 60.0, seeds=args.seeds or 3,
                              out_dir=args.out, report_dir=args.report, jobs=args.jobs,
                              resume=args.resume, max_seeds=args.max_seeds or 8)
        print("totals:", examples.totals(recs))
        print(f"wrote {os.path.join(args.out, 'examples.md')}")
        return 0
    if args.nest_pytests:
        from .parity import pytests
        try:
            tot = pytests.sweep(out_dir=args.out, only=args.only, test_timeout=args.test_timeout,
                                dir_timeout=args.dir_timeout, jobs=args.jobs or 2)
        except pytests.SweepError as e:
            print(f"jaxnest parity --nest-pytests: {e}", file=sys.stderr)
            return 1
        print("totals:", tot)
        print(f"wrote {os.path.join(args.out, 'nest_pytests.md')}")
        return 0
    if not args.script:
        print("jaxnest parity: give a script, --nest-examples, --nest-pytests or --models "
              "(jaxnest parity --help)", file=sys.stderr)
        return 2
    from .parity.harness import run_parity
    from .parity.report import write_report

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)
    run = run_parity(args.script, seeds=args.seeds or 3, timeout=args.timeout or 600,
                     args=args.args, jobs=args.jobs, max_seeds=args.max_seeds,
                     progress=None if args.quiet else progress)
    print(f"{run.name}: {run.status} - {run.reason}")
    for backend, runs in (("NEST", run.nest_runs), ("jaxnest", run.jax_runs)):
        for r in runs:
            wall = f"{r.wall_s:.2f} s" if r.wall_s is not None else "n/a"
            print(f"  {backend} seed {r.seed_index}: {'ok' if r.ok else r.error_text}, {wall}")
    if run.comparison:
        for c in run.comparison.checks:
            if c.status != "pass":
                test = (f" {c.test} p={c.p_adjusted:.2g} (Holm), power {c.power:.2f}"
                        if c.p_adjusted is not None else "")
                print(f"  {c.status.upper()} {c.where} {c.quantity} [{c.category}]: "
                      f"{c.deviation:.3g} vs {c.tolerance:.3g}{test} {c.note}")
    if args.report:
        paths = write_report(run, args.report)
        print(f"report: {paths['html']} ({paths['md']}, {paths['json']})")
    return 0 if run.status in ("pass", "runs") else 1


def build_parser():
    from jaxnest_cli import build_parser as parser
    return parser()


def main(argv: list[str] | None = None) -> int:
    from jaxnest_cli import main as cli_main
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
