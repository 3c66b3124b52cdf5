"""A copy of a NESTML model with its user-defined functions inlined, for python_standalone.

pynestml 9.0.0's python_standalone target cannot generate a model that declares a function
(its FunctionDeclaration template reads ``types_printer``, which its generator never
defines). The library's functions are straight-line: local declarations, then one
``return``. Inlining them is then an exact rewrite: each call becomes the function's return
expression, parenthesised, with every parameter replaced by the parenthesised argument and
every local by its parenthesised (already inlined) expression. python_standalone strips
units (values in NEST's units, as jaxnest), so no conversion factor is lost.

Done on pynestml's own AST and printer (``NESTMLPrinter``, which prints a model back as
NESTML source): a printer whose function-call and variable printers substitute, and whose
function declarations print as nothing. Imports neither nest nor jaxnest; needs pynestml.
"""
from __future__ import annotations


def _parse(path):
    """pynestml's AST of one .nestml file (predefined units and types registered first)."""
    from pynestml.frontend.pynestml_frontend import init_predefined
    from pynestml.utils.logger import Logger, LoggingLevel
    from pynestml.utils.model_parser import ModelParser
    Logger.init_logger(LoggingLevel.ERROR)
    init_predefined()
    return ModelParser.parse_file(path)


def _straight_line(function):
    """(parameter names, [(local name, expression)], return expression) of a function whose
    body is local declarations and one final return; ValueError for anything else."""
    params = [p.get_name() for p in function.get_parameters()]
    stmts = function.get_stmts_body().get_stmts()
    locals_, ret = [], None
    for i, stmt in enumerate(stmts):
        small = stmt.small_stmt if stmt.is_small_stmt() else None
        if small is not None and small.is_declaration() and ret is None:
            decl = small.get_declaration()
            names = [v.get_name() for v in decl.get_variables()]
            if len(names) != 1 or not decl.has_expression():
                raise ValueError(f"{function.get_name()}: declaration without one value")
            locals_.append((names[0], decl.get_expression()))
        elif small is not None and small.is_return_stmt() and i == len(stmts) - 1:
            ret = small.get_return_stmt().get_expression()
        else:
            raise ValueError(f"{function.get_name()}: not straight-line (statement {i + 1})")
    if ret is None:
        raise ValueError(f"{function.get_name()}: no final return")
    return params, locals_, ret


def _print_kernel(printer, node) -> str:
    """A kernel as NESTML's parser reads it: one equation per line (NESTMLPrinter joins a
    multi-equation kernel on one line, which the parser rejects)."""
    pad = " " * printer.indent
    eqs = [printer.print(v) + " = " + printer.print(e)
           for v, e in zip(node.get_variables(), node.get_expressions())]
    return pad + "kernel " + (",\n" + pad + "       ").join(eqs) + "\n"


def _inliner(functions, constants):
    """A NESTMLPrinter that inlines calls of ``functions`` (name -> _straight_line's triple),
    prints calls of ``constants`` (name -> literal) as the literal, and prints no function
    declaration."""
    from pynestml.codegeneration.printers.nestml_printer import NESTMLPrinter

    printer = NESTMLPrinter()
    env = [{}]  # the innermost function's substitutions: name -> printed expression
    calls, variables = printer._function_call_printer, printer._variable_printer
    print_call, print_variable = calls.print_function_call, variables.print_variable

    def expression(node):
        return "(" + printer._expression_printer.print(node) + ")"

    def inline_call(node):
        if node.get_name() in constants:
            return constants[node.get_name()]
        if node.get_name() not in functions:
            return print_call(node)
        params, locals_, ret = functions[node.get_name()]
        if len(params) != len(node.get_args()):
            raise ValueError(f"{node.get_name()}: {len(node.get_args())} arguments")
        scope = dict(zip(params, map(expression, node.get_args())))
        env.append(scope)
        try:
            for name, expr in locals_:
                scope[name] = expression(expr)
            return expression(ret)
        finally:
            env.pop()

    def substitute(node):
        if node.differential_order == 0 and node.get_vector_parameter() is None \
                and node.get_name() in env[-1]:
            return env[-1][node.get_name()]
        return print_variable(node)

    calls.print_function_call = inline_call
    variables.print_variable = substitute
    printer.print_function = lambda node: ""
    printer.print_kernel = lambda node: _print_kernel(printer, node)
    return printer


def inline_functions(path) -> str:
    """The NESTML source of the model in ``path`` with every user-defined function inlined
    and no function declared (see the module docstring)."""
    unit = _parse(path)
    (model,) = unit.get_model_list()
    functions = {f.get_name(): _straight_line(f) for f in model.get_functions()}
    return _inliner(functions, {}).print(unit)


def replace_calls(path, constants) -> str:
    """The NESTML source of the model in ``path`` with every call of a function named in
    ``constants`` (name -> literal) replaced by the literal (e.g. ``random_normal`` by 0)."""
    return _inliner({}, constants).print(_parse(path))


def summary(path) -> dict:
    """What a rewrite must keep, read from pynestml's AST: the model's name, its declared
    variables per block, ODE left-hand sides, inline expressions, kernels, ports and update
    statements' count; and what it may change: the functions it declares and calls."""
    from pynestml.visitors.ast_visitor import ASTVisitor
    (model,) = _parse(path).get_model_list()
    calls = []

    class Calls(ASTVisitor):
        def visit_function_call(self, node):
            calls.append(node.get_name())

    model.accept(Calls())

    def names(blocks):
        return [v.get_name() for b in blocks for d in b.get_declarations()
                for v in d.get_variables()]

    eqs = model.get_equations_blocks()
    return {
        "model": model.get_name(),
        "state": names(model.get_state_blocks()),
        "parameters": names(model.get_parameters_blocks()),
        "internals": names(model.get_internals_blocks()),
        "odes": [str(e.get_lhs()) for b in eqs for e in b.get_ode_equations()],
        "inlines": [e.get_variable_name() for b in eqs for e in b.get_inline_expressions()],
        "kernels": [str(v) for b in eqs for k in b.get_kernels() for v in k.get_variables()],
        "ports": [p.get_name() for b in model.get_input_blocks() for p in b.get_input_ports()],
        "functions": [f.get_name() for f in model.get_functions()],
        "calls": sorted(set(calls)),
        "call_count": len(calls),
    }
