"""jaxnest's NESTML target: Python source for a jaxnest NeuronModel from a NESTML neuron that
pynestml's front end parsed, checked and analysed (ODE-toolbox: exact propagators or the
numeric solver, as NESTML chooses for its NEST target).

The generated ``update`` follows NEST-NESTML's order within one step (from t to t + h):

0. where the propagators read state (a variable without an ODE, e.g. a gating factor in
   an ODE), all internals are recomputed from the current state, as NEST-NESTML does when
   ``propagators_are_state_dependent``;
1. convolution variables (``kernel`` x spike port, ``__X__``) are propagated to temporaries;
2. the ``update`` block (``integrate_odes(...)``: exact propagators for the variables the
   analytic solver holds, GSL rkf45 over the numeric solver's whole system, where variables
   not named have zero derivative except convolutions; delta-kernel spike input is added to
   the variables integrated);
3. ``onReceive`` blocks of the ports that received spikes this step;
4. convolution variables take their temporaries, then this step's spike input;
5. ``onCondition`` blocks in order (``emit_spike()`` sends a spike stamped t + h);
6. continuous input read in this step is stored for the next step (NEST's ring buffer read at
   the end of the step: ``I_stim`` in 1.-5. is the previous step's current).
"""
from __future__ import annotations

from pynestml.meta_model.ast_declaration import ASTDeclaration  # noqa: F401
from pynestml.meta_model.ast_simple_expression import ASTSimpleExpression
from pynestml.symbols.integer_type_symbol import IntegerTypeSymbol
from pynestml.symbols.predefined_functions import PredefinedFunctions as F
from pynestml.symbols.symbol import SymbolKind
from pynestml.utils.ast_utils import ASTUtils

from .errors import model_context, unsupported
from .printer import Printer, Scope, buffer_factor, constant, function_name


def _size(var, decl):
    """The size expression of a vector declaration (``x[N] real``), or None."""
    size = var.get_vector_parameter()
    return size if size is not None else decl.get_size_parameter()


def _key(name: str) -> str:
    return repr(ASTUtils.to_ode_toolbox_processed_name(name))


class _Scope(Scope):
    """Variables as dict lookups: state ``S``, parameters ``P``, internals ``V``, locals ``L``,
    input buffers ``B``; inside an ODE right-hand side the integrated variables are ``y``."""

    def __init__(self, xp="xp", ode_vars=(), where="update", model=None):
        self.xp = xp
        self.ode_vars = set(ode_vars)
        self.where = where
        self.model = model

    def _in_update(self, what):
        if self.where != "update" or self.model is None:
            unsupported(f"{what} outside the update, onReceive and onCondition blocks")

    def time(self):
        """NEST-NESTML's ``t``: the time at the end of the step being computed."""
        self._in_update("the predefined variable t")
        self.model.uses_t = True
        return "_t"

    def _draw(self, what, k=1):
        """The index of ``k`` fresh uniforms of this step. A loop body would draw the same
        numbers in every iteration: refused."""
        self._in_update(what)
        if self.model.loops:
            unsupported(f"{what} inside a while or for loop")
        j = self.model.draws
        self.model.draws += k
        return j

    def random_uniform(self):
        return f"_rand.uniform({self._draw('random_uniform()')})"

    def random_normal(self):
        return f"_rand.normal({self._draw('random_normal()', 2)})"

    def random_poisson(self):
        return f"_rand.uniform({self._draw('random_poisson()')})"

    def variable(self, var, symbol):
        name = ASTUtils.to_ode_toolbox_processed_name(var.get_complete_name())
        if name in self.ode_vars:
            return f"y[{name!r}]"
        if symbol.is_state():
            return f"S[{name!r}]"  # a parameter's default: the initial value (_defaults_fn)
        if symbol.is_parameters():
            return f"P[{name!r}]"
        if symbol.is_internals():
            return f"V[{name!r}]"
        if symbol.is_local():
            return f"L[{name!r}]"
        unsupported(f"the variable '{name}' ({symbol.get_block_type()})")

    def buffer(self, var, symbol):
        if self.where in ("internals", "params"):
            unsupported(f"input port '{var.get_name()}' in a parameter or internal")
        if var.get_vector_parameter() is not None or symbol.has_vector_parameter():
            unsupported(f"vector input port '{var.get_name()}'")
        name = var.get_name()
        if symbol.is_spike_input_port():
            f = buffer_factor(symbol)
            return f"({constant(f)} * B[{name!r}])" if f != 1 else f"B[{name!r}]"
        return f"B[{name!r}]"

    def timestep(self):
        return "h"

    def resolution(self):
        return "h"


class ModelSource:
    """Python source of one neuron (functions prefixed with the model name) and the
    NeuronModel construction."""

    def __init__(self, neuron, ns, adaptive="y", name=None, snapshot=()):
        self.snapshot = list(snapshot)  # state variables noted at emit_spike() (__spike_<v>)
        self.n = neuron
        self.ns = ns
        self.name = name or neuron.get_name()
        self.adaptive = adaptive
        self.lines: list[str] = []
        self.uses_t = False
        self.draws = 0
        self.loops = 0  # depth of while/for loops around the statement being generated
        self.rhs_sources: list[str] = []
        self._k = 0
        self.analytic = list(ns.get("analytic_state_variables", []) or []) \
            if ns.get("uses_analytic_solver") else []
        self.numeric = list(ns.get("numeric_state_variables", []) or []) \
            if ns.get("uses_numeric_solver") else []
        self.conv = [v for v in ASTUtils.all_convolution_variable_names(neuron)]

    # --- helpers ----------------------------------------------------------------------------
    def _new(self, stem="m"):
        self._k += 1
        return f"_{stem}{self._k}"

    def _p(self, expr, scope=None):
        return Printer(scope or _Scope(model=self)).expr(expr)

    def _emit(self, out, ind, s):
        out.append("    " * ind + s)

    # --- blocks -----------------------------------------------------------------------------
    def _decls(self, blocks, vectors=False):
        """(variable, declaration) of the blocks; vector declarations (``x[N] real``) only
        where ``vectors`` (the parameters block)."""
        for blk in blocks:
            for decl in blk.get_declarations():
                for var in decl.get_variables():
                    if _size(var, decl) is not None and not vectors:
                        unsupported(f"vector variable '{var.get_name()}' outside the "
                                    "parameters block")
                    yield var, decl

    def _vector_sizes(self) -> dict:
        """Vector parameters -> their size: an integer parameter's name (``rate_times[N]``,
        resized when N is set) or a number (``w[3]``)."""
        out = {}
        for var, decl in self._decls(self.n.get_parameters_blocks(), vectors=True):
            size = _size(var, decl)
            if size is None:
                continue
            name = var.get_name()
            if isinstance(size, ASTSimpleExpression) and size.is_numeric_literal() and \
                    isinstance(size.get_numeric_literal(), int):
                out[name] = size.get_numeric_literal()
            elif isinstance(size, ASTSimpleExpression) and size.is_variable() and \
                    size.get_variable().get_name() in self._integer_parameters():
                out[name] = size.get_variable().get_name()
            else:
                unsupported(f"vector parameter '{name}' whose size is not an integer "
                            "parameter or number")
        return out

    def _integer_parameters(self) -> set:
        return {var.get_name() for var, decl in
                self._decls(self.n.get_parameters_blocks(), vectors=True)
                if _size(var, decl) is None
                and isinstance(decl.get_data_type().get_type_symbol(), IntegerTypeSymbol)}

    def _declared_names(self, blocks):
        return [ASTUtils.to_ode_toolbox_processed_name(v.get_complete_name())
                for v, _ in self._decls(blocks)]

    def _internals_fn(self):
        out = [f"def _{self.name}__internals(P, h, xp, S=None):", "    V = {}"]
        scope = _Scope(where="internals")
        for var, decl in self._decls(self.n.get_internals_blocks()):
            name = ASTUtils.to_ode_toolbox_processed_name(var.get_complete_name())
            val = self._p(decl.get_expression(), scope) if decl.has_expression() else "0.0"
            out.append(f"    V[{name!r}] = {val}")
        out.append("    return V")
        return out

    def _defaults_fn(self):
        """Parameter defaults and state initial values, in declaration order (parameters
        first) except that each comes after the values it reads. NEST-NESTML's constructor
        sets all parameters, then the state: a parameter that reads a state variable
        (hh_cond_exp_destexhe's ``alpha_n_init`` reads ``V_m``) reads it before it is set;
        here it reads the state variable's initial value."""
        out = [f"def _{self.name}__defaults():", "    xp = np", "    h = 0.1",
               "    P = {}", "    S = {}",
               f"    V = _LazyInternals(_{self.name}__internals, P, h, xp, S)"]
        pending = [("P", var, decl, _Scope(where="params"))
                   for var, decl in self._decls(self.n.get_parameters_blocks(), vectors=True)]
        pending += [("S", var, decl, _Scope(where="update"))
                    for var, decl in self._decls(self.n.get_state_blocks())]
        params = {ASTUtils.to_ode_toolbox_processed_name(v.get_complete_name())
                  for v, _ in self._decls(self.n.get_parameters_blocks(), vectors=True)}
        internals = set(self._declared_names(self.n.get_internals_blocks()))

        def name_of(var):
            return ASTUtils.to_ode_toolbox_processed_name(var.get_complete_name())

        def reads(var, decl):  # internals read every parameter (conservatively)
            names = set()
            for e in (decl.get_expression(), _size(var, decl)):
                if e is not None:
                    names |= {name_of(v) for v in
                              ASTUtils.collect_variable_names_in_expression(e)}
            return names | params if names & internals else names

        while pending:
            left = {name_of(v) for _, v, _, _ in pending}
            for i, (kind, var, decl, scope) in enumerate(pending):
                if not (reads(var, decl) & left) - {name_of(var)}:
                    break
            else:
                unsupported("initial values that read each other in a circle")
            kind, var, decl, scope = pending.pop(i)
            val = self._p(decl.get_expression(), scope) if decl.has_expression() else "0.0"
            if _size(var, decl) is not None:  # NEST-NESTML: resize(N, value)
                val = f"_vector({self._p(_size(var, decl), scope)}, {val})"
            out.append(f"    {kind}[{name_of(var)!r}] = {val}")
        out.append("    return P, S")
        return out

    # --- statements -------------------------------------------------------------------------
    def _stmts(self, body, mask, out, ind):
        for stmt in body.get_stmts():
            if stmt.is_small_stmt():
                self._small(stmt.small_stmt, mask, out, ind)
            else:
                self._compound(stmt.compound_stmt, mask, out, ind)

    def _target(self, var):
        name = ASTUtils.to_ode_toolbox_processed_name(var.get_complete_name())
        if var.get_vector_parameter() is not None:
            unsupported(f"assignment to vector element '{var.get_complete_name()}'")
        sym = var.get_scope().resolve_to_symbol(var.get_complete_name(), SymbolKind.VARIABLE)
        if sym is None:
            unsupported(f"assignment to unknown variable '{name}'")
        if sym.is_state():
            return f"S[{name!r}]"
        if sym.is_local():
            return f"L[{name!r}]"
        unsupported(f"assignment to the {sym.get_block_type().name.lower()} variable '{name}'")

    def _assignment(self, a, mask, out, ind, scope=None):
        tgt = self._target(a.get_variable())
        rhs = self._p(a.get_expression(), scope)
        if a.is_direct_assignment:
            val = rhs
        else:
            op = ("+" if a.is_compound_sum else "-" if a.is_compound_minus else
                  "*" if a.is_compound_product else "/")
            val = f"{tgt} {op} ({rhs})"
        self._emit(out, ind, f"{tgt} = _w({mask}, {val}, {tgt})" if mask else f"{tgt} = {val}")

    def _small(self, s, mask, out, ind):
        if s.is_assignment():
            self._assignment(s.get_assignment(), mask, out, ind)
        elif s.is_declaration():
            decl = s.get_declaration()
            if any(_size(v, decl) is not None for v in decl.get_variables()):
                unsupported("local vector declarations")
            for var in decl.get_variables():
                val = self._p(decl.get_expression()) if decl.has_expression() else "0.0"
                self._emit(out, ind, f"L[{var.get_complete_name()!r}] = {val}")
        elif s.is_function_call():
            self._call(s.get_function_call(), mask, out, ind)
        elif s.is_return_stmt():
            if not getattr(self, "_in_function", False):
                unsupported("'return' in a block")
            r = s.get_return_stmt()
            val = self._p(r.get_expression()) if r.has_expression() else "0.0"
            # xp: numpy where initial values and internals call the function (float64 as
            # NEST-NESTML's C++; jnp there would compute them in float32 outside x64)
            now = f"xp.logical_and({mask}, xp.logical_not(_done))" if mask else \
                "xp.logical_not(_done)"
            self._emit(out, ind, f"_ret = xp.where({now}, {val}, _ret)")
            self._emit(out, ind, f"_done = xp.logical_or(_done, {mask or True})")

    def _call(self, call, mask, out, ind):
        name = call.get_name()
        if name == F.EMIT_SPIKE:
            if call.get_args():
                unsupported("emit_spike() with arguments")
            self._emit(out, ind, f"spike = jnp.logical_or(spike, {mask})" if mask
                       else "spike = jnp.ones_like(spike)")
            for v in self.snapshot:  # a paired synapse reads them at this spike
                self._emit(out, ind, f"S['__spike_{v}'] = _w({mask or True}, S[{v!r}] + 0.0, "
                                     f"S['__spike_{v}'])")
        elif name == F.INTEGRATE_ODES:
            self._integrate(call, mask, out, ind)
        elif name in (F.PRINT, F.PRINTLN, F.LOGGER_INFO, F.LOGGER_WARNING):
            pass
        else:
            unsupported(f"the call statement {name}()")

    def _compound(self, c, mask, out, ind):
        if c.is_while_stmt():
            w = c.get_while_stmt()
            return self._loop(self._p(w.get_condition()), w.get_stmts_body(), mask, out, ind)
        if c.is_for_stmt():
            return self._for(c.get_for_stmt(), mask, out, ind)
        st = c.get_if_stmt()
        clauses = [st.get_if_clause()] + list(st.get_elif_clauses())
        rest = mask
        for cl in clauses:
            cond = self._p(cl.get_condition())
            c_ = self._new("c")
            m = self._new()
            self._emit(out, ind, f"{c_} = {cond}")
            self._emit(out, ind, f"{m} = _and({rest}, {c_})")
            self._stmts(cl.get_stmts_body(), m, out, ind)
            r = self._new("r")
            self._emit(out, ind, f"{r} = _andnot({rest}, {c_})")
            rest = r
        if st.has_else_clause():
            self._stmts(st.get_else_clause().get_stmts_body(), rest, out, ind)

    def _loop(self, cond, body, mask, out, ind, last=None):
        """A ``while cond: body`` as a ``_while`` over the neurons (runtime.py): the
        condition and the body (masked by the neurons still looping) as local functions of
        the state ``S``, the locals ``L`` and ``spike``; ``last`` an assignment after the
        body (a for loop's step). Locals declared in the body are carried by the loop, so
        they exist before it."""
        if getattr(self, "_in_function", False):
            unsupported("while and for loops in functions")
        k = self._new("loop")
        go = f"{k}_go"
        for name in self._declared_in(body):
            self._emit(out, ind, f"L.setdefault({name!r}, 0.0)  # declared in the loop body")
        self._emit(out, ind, f"def {k}_cond(S, L):")
        self._emit(out, ind + 1, f"return {cond}")
        self._emit(out, ind, f"def {k}_body(S, L, spike, {go}):")
        self.loops += 1
        try:
            self._stmts(body, go, out, ind + 1)
            if last is not None:
                self._emit(out, ind + 1, last(go))
        finally:
            self.loops -= 1
        self._emit(out, ind + 1, "return S, L, spike")
        self._emit(out, ind, f"S, L, spike = _while({k}_cond, {k}_body, S, L, spike, {mask})")

    def _for(self, st, mask, out, ind):
        """``for i in a ... b step s`` as NEST-NESTML's C++ ``for (i = a; i < b; i += s)``
        (``>`` for a negative step, ``!=`` for 0): ``i`` is the variable declared before the
        loop (a local if it is not declared: NEST-NESTML's C++ would not compile)."""
        name = st.get_variable()
        sym = st.get_scope().resolve_to_symbol(name, SymbolKind.VARIABLE)
        if sym is not None and sym.is_state():
            tgt = f"S[{name!r}]"
        elif sym is None or sym.is_local():
            tgt = f"L[{name!r}]"
            self._emit(out, ind, f"L.setdefault({name!r}, 0.0)")
        else:
            unsupported(f"a for loop over the {sym.get_block_type().name.lower()} "
                        f"variable '{name}'")
        step = st.get_step()
        op = "<" if step > 0 else ">" if step < 0 else "!="
        start = self._p(st.get_start_from())
        self._emit(out, ind, f"{tgt} = _w({mask}, {start}, {tgt})" if mask else
                   f"{tgt} = {start}")
        cond = f"({tgt} {op} {self._p(st.get_end_at())})"
        self._loop(cond, st.get_stmts_body(), mask, out, ind,
                   last=lambda go: f"{tgt} = _w({go}, {tgt} + {constant(step)}, {tgt})")

    def _declared_in(self, body) -> list:
        """Names of the locals declared anywhere in a block (nested blocks included)."""
        names = []
        for stmt in body.get_stmts():
            if stmt.is_small_stmt():
                if stmt.small_stmt.is_declaration():
                    names += [v.get_complete_name()
                              for v in stmt.small_stmt.get_declaration().get_variables()]
                continue
            c = stmt.compound_stmt
            if c.is_if_stmt():
                st = c.get_if_stmt()
                bodies = [cl.get_stmts_body() for cl in [st.get_if_clause()]
                          + list(st.get_elif_clauses())]
                if st.has_else_clause():
                    bodies.append(st.get_else_clause().get_stmts_body())
            else:
                bodies = [(c.get_while_stmt() or c.get_for_stmt()).get_stmts_body()]
            for b in bodies:
                names += self._declared_in(b)
        return names

    # --- integration ------------------------------------------------------------------------
    def _integrate(self, call, mask, out, ind):
        if self.loops:
            unsupported("integrate_odes() inside a while or for loop")
        args = [ASTUtils.to_ode_toolbox_processed_name(str(a)) for a in call.get_args()]
        analytic = self.analytic
        numeric = self.numeric
        if args:
            analytic = ASTUtils.filter_variables_list(analytic, call.get_args())
            numeric = ASTUtils.filter_variables_list(numeric, call.get_args())
        analytic = ASTUtils.exclude_convolutions_from_variables_list(analytic)
        tmp = self._new("a")
        self._emit(out, ind, f"{tmp} = {{}}")
        for v in analytic:
            expr = self.ns["update_expressions"][v]
            self._emit(out, ind, f"{tmp}[{v!r}] = {self._p(expr)}")
        if numeric:
            fn = self._rhs(numeric)
            self._emit(out, ind, f"S = _integrate({fn}, {self.numeric!r}, S, P, V, B, h, "
                                 f"{mask}, {self.adaptive!r})")
        for v in analytic:
            self._emit(out, ind, f"S[{v!r}] = _w({mask}, {tmp}[{v!r}], S[{v!r}])")
        integrated = set(analytic) | set(numeric)
        for port, assigns in self.ns["spike_updates"].items():
            for a in assigns:
                v = ASTUtils.to_ode_toolbox_processed_name(a.get_variable().get_complete_name())
                if v in integrated and "__X__" not in v:
                    self._assignment(a, mask, out, ind)

    def _rhs(self, integrated):
        fn = f"_{self.name}__rhs_{len(self.rhs_sources)}"
        scope = _Scope(xp="jnp", ode_vars=self.numeric)
        lines = [f"def {fn}(y, ctx):",
                 "    P, V, S, B = ctx['P'], ctx['V'], ctx['S'], ctx['B']",
                 "    xp = jnp", "    f = {}"]
        for v in self.numeric:
            if v in integrated or v in self.conv:
                expr = self._p(self.ns["numeric_update_expressions"][v], scope)
                lines.append(f"    f[{v!r}] = {expr} + jnp.zeros_like(y[{v!r}])")
            else:
                lines.append(f"    f[{v!r}] = jnp.zeros_like(y[{v!r}])")
        lines.append("    return f")
        self.rhs_sources.append("\n".join(lines))
        return fn

    # --- user-defined functions -------------------------------------------------------------
    def _function(self, fn):
        """A NESTML function as ``_<model>__fn_<name>(xp, _env, *args)``: parameters are
        locals, the model's parameters, internals and state are readable through ``_env``;
        ``return`` under a condition is masked (the first return a neuron reaches wins)."""
        names = [p.get_name() for p in fn.get_parameters()]
        out = [f"def {function_name(fn.get_name())}(xp, _env, {', '.join(names)}):",
               "    P, V, S = _env",
               "    L = {" + ", ".join(f"{n!r}: {n}" for n in names) + "}",
               "    _ret = 0.0", "    _done = False"]
        self._in_function = True
        try:
            self._stmts(fn.get_stmts_body(), None, out, 1)
        finally:
            self._in_function = False
        out.append("    return _ret")
        return out

    # --- update -----------------------------------------------------------------------------
    def _update_fn(self):
        out: list[str] = []
        e = lambda s: self._emit(out, 1, s)  # noqa: E731
        e("xp = jnp")
        e("L = {}")
        first = self._declared_names(self.n.get_state_blocks())[0]
        e(f"spike = jnp.zeros(jnp.shape(jnp.asarray(S[{first!r}])), dtype=bool)")
        if self.ns.get("propagators_are_state_dependent"):  # propagators read state (a
            e(f"V = _{self.name}__internals(P, h, jnp, S)")  # variable without an ODE)
        conv = [v for v in self.analytic if "__X__" in v]
        for i, v in enumerate(conv):
            e(f"_X_{i} = {self._p(self.ns['update_expressions'][v])}")
        for blk in self.n.get_update_blocks():
            self._stmts(blk.get_stmts_body(), None, out, 1)
        for blk in self.n.get_on_receive_blocks():
            port = blk.get_port_name()
            m = self._new()
            e(f"{m} = R[{port!r}]")
            self._stmts(blk.get_stmts_body(), m, out, 1)
        for i, v in enumerate(conv):
            e(f"S[{v!r}] = _X_{i}")
        for port, assigns in self.ns["spike_updates"].items():
            for a in assigns:
                if "__X__" in a.get_variable().get_complete_name():
                    self._assignment(a, None, out, 1)
        for blk in self.n.get_on_condition_blocks():
            m = self._new()
            e(f"{m} = {self._p(blk.get_cond_expr())}")
            self._stmts(blk.get_stmts_body(), m, out, 1)
        for name, expr in self._recordable_inlines():  # as sampled: from the step's end state
            e(f"S[{name!r}] = {self._p(expr)} + 0.0 * S[{first!r}]")
        e("return S, spike")
        return [f"def _{self.name}__update(P, V, S, B, R, h, _t=None, _rand=None):"] + out

    def _recordable_inlines(self):
        """(name, expression) of the ``recordable inline`` expressions: recordables that
        NEST-NESTML computes from the state when a multimeter samples; jaxnest keeps each as
        a hidden value set at the end of every step."""
        return [(ie.get_variable_name(), ie.get_expression())
                for blk in self.n.get_equations_blocks()
                for ie in blk.get_inline_expressions() if ie.is_recordable]

    # --- the model --------------------------------------------------------------------------
    def _ports(self):
        spike, cont = [], []
        for p in self.n.get_input_ports():
            if p.has_vector_parameter():
                unsupported(f"vector input port '{p.get_symbol_name()}'")
            if p.is_spike_input_port():
                spike.append(p)
            else:
                cont.append(p.get_symbol_name())
        exc = [p for p in spike if p.is_excitatory() and not p.is_inhibitory()]
        inh = [p for p in spike if p.is_inhibitory() and not p.is_excitatory()]
        if len(spike) == 1 and spike[0].is_excitatory() and spike[0].is_inhibitory():
            ports = [(spike[0].get_symbol_name(), "any")]
        elif len(spike) == 2 and len(exc) == 1 and len(inh) == 1:
            ports = [(p.get_symbol_name(), "exc" if p in exc else "inh") for p in spike]
        elif not spike:
            ports = []
        elif all(p.is_excitatory() and p.is_inhibitory() for p in spike):
            # several unqualified ports: receptor types NAME -> 1, 2, ... (NEST-NESTML's
            # MIN_SPIKE_RECEPTOR = 1), each weight kept as it is
            ports = [(p.get_symbol_name(), f"r{i}") for i, p in enumerate(spike)]
        else:
            unsupported("spike input ports with excitatory/inhibitory qualifiers other than "
                        "one excitatory plus one inhibitory port")
        if len(cont) > 1:
            unsupported("more than one continuous input port")
        return ports, cont

    def source(self) -> str:
        with model_context(self.name):
            if self.ns.get("uses_numeric_solver") and self.ns.get("numeric_solver") != "rk45":
                unsupported(f"numeric solver '{self.ns.get('numeric_solver')}'")
            if self.n.has_delay_variables():
                unsupported("delay differential equations")
            ports, cont = self._ports()
            parts = ["\n".join(self._function(f)) for f in self.n.get_functions()]
            parts += ["\n".join(self._internals_fn()), "\n".join(self._defaults_fn()),
                      "\n".join(self._update_fn())]
            parts += self.rhs_sources
            state_names = self._declared_names(self.n.get_state_blocks())
            rec = [ASTUtils.to_ode_toolbox_processed_name(v.get_complete_name())
                   for v in self.ns.get("recordable_state_variables", [])]
            inlines = [name for name, _ in self._recordable_inlines()]
            rec += [name for name in inlines if name not in rec]
            hidden = {f"__in_{c}": 0.0 for c in cont}
            hidden.update({f"__spike_{v}": 0.0 for v in self.snapshot})
            hidden.update({name: 0.0 for name in inlines})
            if self.numeric:
                hidden["__integration_step"] = 0.0
            n = self.name
            tail = [f"_P0, _S0 = _{n}__defaults()"]
            if self.numeric:
                tail.append("_P0.update(gsl_abs_error_tol=1e-6, gsl_rel_error_tol=1e-6)")
            tail += [
                f"{n} = neuron_model({n!r}, params=_P0, "
                f"state={{k: _S0[k] for k in {state_names!r}}}, hidden={hidden!r}, "
                f"recordables={rec!r}, internals=_{n}__internals, update=_{n}__update, "
                f"spike_ports={ports!r}, continuous_ports={cont!r}, "
                f"uses_t={self.uses_t!r}, draws={self.draws!r}, "
                f"vector_sizes={self._vector_sizes()!r})",
                f"MODELS[{n!r}] = {n}",
            ]
            return "\n\n\n".join(parts) + "\n\n\n" + "\n".join(tail) + "\n"


HEADER = '''"""Generated by jaxnest's NESTML target (jaxnest/nestml) from {files}.
Source hash {digest}; regenerated when the NESTML source changes. Do not edit."""
import jax.numpy as jnp
import numpy as np

from jaxnest.nestml.runtime import (_E, _INF, _PI, _and, _andnot, _at, _erf,  # noqa: F401
                                    _erfc, _LazyInternals, _max, _min, _poisson, _round,
                                    _steps, _vector, _w, _while, neuron_model)
from jaxnest.nestml.runtime import integrate as _integrate  # noqa: F401
from jaxnest.nestml.synapse_runtime import copy_to_neuron, synapse_model  # noqa: F401

MODELS = {{}}
'''


def module_source(models, files, digest, adaptive="y", synapses=()) -> str:
    """The Python module for lists of (neuron AST, NEST-target namespace, name) and
    (synapse AST, namespace, name, options of synapse_codegen.SynapseSource)."""
    from .synapse_codegen import SynapseSource
    parts = [HEADER.format(files=", ".join(files), digest=digest)]
    for neuron, ns, name, opts in models:
        parts.append(ModelSource(neuron, ns, adaptive, name=name, **opts).source())
    for synapse, ns, name, opts in synapses:
        parts.append(SynapseSource(synapse, ns, name, **opts).source())
    return "\n\n".join(parts)
