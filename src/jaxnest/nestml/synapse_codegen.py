"""jaxnest's NESTML target for synapses: Python source of the functions a jaxnest
``SynapseModel`` is built from (``synapse_runtime.py`` runs them at each delivery).

As NESTML's NEST target with neuron-synapse co-generation, a synapse's state splits in two:

- *postsynaptic* variables (``collect_variables_affected_by_ports``: changed only by
  ``onReceive(post_spikes)``, e.g. ``post_trace``), which NESTML moves into the neuron: they
  evolve in the neuron's time and are read, at a time tau, *before* any increment at tau
  (NEST-NESTML's ``get_<var>(tau)``); jaxnest keeps them per edge, advanced over the target's
  spike archive;
- the rest (``w``, pre traces), advanced between events by the ``update`` block, whose
  ``integrate_odes()`` integrates the synapse's own ODEs over the interval.

Generated functions, per synapse ``S`` (arrays over edges; ``mask`` = the lanes acting):
``_S__post_prop(P, X, h)`` (postsynaptic variables over h ms), ``_S__post_emit(P, X)`` (the
statements NESTML moves into the neuron's spike emission), ``_S__advance(P, S, h, _t, mask)``
(the update block over h; NEST-NESTML skips intervals under 1e-12 ms),
``_S__on_post(P, S, X, V, _t, _ts, mask)``, ``_S__on_vt(...)`` (a volume-transmitter port)
and ``_S__on_pre(P, S, X, V, _t, _ts, mask, _rand)`` (the onReceive blocks; the latter
returns what ``emit_spike`` sends).
"""
from __future__ import annotations

from pynestml.symbols.predefined_functions import PredefinedFunctions as F
from pynestml.generated.PyNestMLLexer import PyNestMLLexer
from pynestml.symbols.symbol import SymbolKind
from pynestml.symbols.variable_symbol import BlockType
from pynestml.utils.ast_utils import ASTUtils

from .codegen import ModelSource, _Scope
from .errors import model_context, unsupported


def _name(var) -> str:
    return ASTUtils.to_ode_toolbox_processed_name(var.get_complete_name())


class _SynScope(_Scope):
    """Synapse variables: postsynaptic (moved) ones are ``X``; ``timestep()`` is the
    interval being integrated (update) or since the last presynaptic spike (onReceive)."""

    def __init__(self, model, where, post=(), ode_vars=()):
        super().__init__(xp="jnp", ode_vars=ode_vars, where=where, model=model)
        self.post = set(post)
        self.cont = set(model.cont_ports) if model is not None else set()

    def variable(self, var, symbol):
        name = _name(var)
        if symbol.block_type == BlockType.COMMON_PARAMETERS:  # @homogeneous parameters
            return f"P[{name!r}]"
        if name in self.post and symbol.is_state():
            if self.where not in ("post", "post_emit", "onreceive", "pre"):
                unsupported(f"the postsynaptic variable '{name}' read in the update block")
            return f"X[{name!r}]"
        return super().variable(var, symbol)

    def time(self):
        if self.where not in ("update", "onreceive", "pre"):
            unsupported("the predefined variable t here")
        return "_t"

    def timestep(self):
        return "h" if self.where == "update" else "_ts"

    def random_uniform(self):
        if self.where != "pre":
            unsupported("random numbers outside onReceive of the presynaptic port")
        j = self.model.draws
        self.model.draws += 1
        return f"_rand.uniform({j})"

    def random_normal(self):
        if self.where != "pre":
            unsupported("random numbers outside onReceive of the presynaptic port")
        j = self.model.draws
        self.model.draws += 2
        return f"_rand.normal({j})"

    def buffer(self, var, symbol):
        name = var.get_name()
        if name in self.cont and self.where in ("onreceive", "pre"):
            return f"X[{name!r}]"  # the paired neuron's variable (synapse_runtime.py)
        unsupported(f"reading the input port '{name}' in a synapse here")


class SynapseSource(ModelSource):
    """Python source of one NESTML synapse (functions prefixed with its jaxnest name)."""

    def __init__(self, synapse, ns, name, post_ports=(), vt_ports=(), weight_var="w",
                 delay_var=None, post_vars=(), post_params=None, paired_neuron=None,
                 cont_ports=None):
        self.cont_ports = dict(cont_ports or {})  # port -> (neuron variable, when)
        super().__init__(synapse, ns)
        self.post_params = dict(post_params or {})
        self.paired_neuron = paired_neuron
        self.name = name
        self.post_ports = list(post_ports)
        self.vt_ports = list(vt_ports)
        self.weight_var = weight_var
        self.delay_var = delay_var
        self.conv = self._convolutions()
        self.post_vars = list(post_vars) + [v for v, port in self.conv.items()
                                            if port in self.post_ports]
        self.pre_conv = [v for v, port in self.conv.items() if port not in self.post_ports]
        self.where = "update"

    def _decls(self, blocks, vectors=False):
        return super()._decls(blocks)  # no vector parameters in synapses (yet)

    def _loop(self, *args, **kwargs):
        unsupported("while and for loops in synapses")

    def _convolutions(self) -> dict:
        """Convolution variables (``kernel`` x spike port, ``K__X__port``) and their ports.
        As NEST-NESTML's synapse: a variable of a post port is postsynaptic (the neuron's
        time), one of the presynaptic port is the synapse's own state; each is propagated
        exactly over every interval, whatever ``integrate_odes()`` names, and takes 1 after
        its port's onReceive block (NEST's synapses see unweighted spikes)."""
        out = {}
        for port, assigns in (self.ns.get("spike_updates") or {}).items():
            for a in assigns:
                v = _name(a.get_variable())
                if "__X__" in v:
                    out[v] = str(port)
        for v in out:
            if v in self.numeric:
                unsupported(f"the convolution '{v}' integrated numerically")
            if out[v] in self.vt_ports:
                unsupported(f"a kernel convolved with the volume-transmitter port '{out[v]}'")
        return out

    def _p(self, expr, scope=None):
        return super()._p(expr, scope or _SynScope(self, self.where, self.post_vars))

    def _target(self, var):
        name = _name(var)
        sym = var.get_scope().resolve_to_symbol(var.get_complete_name(), SymbolKind.VARIABLE)
        if name in self.post_vars and sym is not None and sym.is_state():
            if self.where != "post_emit":
                unsupported(f"assignment to the postsynaptic variable '{name}' here")
            return f"X[{name!r}]"
        if sym is not None and sym.is_parameters():
            unsupported(f"assignment to the parameter '{name}'")
        return super()._target(var)

    def _call(self, call, mask, out, ind):
        name = call.get_name()
        if name == F.EMIT_SPIKE:
            if self.where != "pre" or len(call.get_args()) != 1:
                unsupported("emit_spike() outside onReceive(pre_spikes) or without one weight")
            val = self._p(call.get_args()[0])
            self._emit(out, ind, f"_sent = _w({mask}, ({val}) + 0.0 * _sent, _sent)")
        elif name == F.INTEGRATE_ODES:
            if self.where != "update":
                unsupported("integrate_odes() outside the update block")
            self._integrate(call, mask, out, ind)
        elif name == "deliver_spike":
            unsupported("deliver_spike() (NESTML 9 synapses send with emit_spike)")
        else:
            super()._call(call, mask, out, ind)

    def _integrate(self, call, mask, out, ind):
        if self.numeric:
            unsupported("ODEs a synapse integrates with the numeric solver")
        own = [v for v in self.analytic if v not in self.post_vars and v not in self.conv]
        if call.get_args():
            own = ASTUtils.filter_variables_list(own, call.get_args())
        tmp = self._new("a")
        self._emit(out, ind, f"{tmp} = {{}}")
        for v in own:
            self._emit(out, ind, f"{tmp}[{v!r}] = {self._p(self.ns['update_expressions'][v])}")
        for v in own:
            self._emit(out, ind, f"S[{v!r}] = _w({mask}, {tmp}[{v!r}], S[{v!r}])")

    # --- blocks -----------------------------------------------------------------------------
    def _block(self, port):
        blk = self.n.get_on_receive_block(port)
        return blk.get_stmts_body() if blk is not None else None

    def _is_post_emit(self, stmt):
        """A top-level statement of onReceive(post) that NESTML moves into the neuron: an
        assignment to a postsynaptic variable."""
        if not stmt.is_small_stmt() or not stmt.small_stmt.is_assignment():
            return False
        return _name(stmt.small_stmt.get_assignment().get_variable()) in self.post_vars

    def _fn(self, head, where, body_stmts, ret, mask="mask", init=(), tail=()):
        out = [head, "    xp = jnp", "    L = {}", "    S = dict(S)"] + \
            [f"    {s}" for s in init]
        self.where = where
        try:
            for stmt in body_stmts:
                if stmt.is_small_stmt():
                    self._small(stmt.small_stmt, mask, out, 1)
                else:
                    self._compound(stmt.compound_stmt, mask, out, 1)
        finally:
            self.where = "update"
        out += [f"    {s}" for s in tail]
        out.append(f"    return {ret}")
        return out

    def _post_prop_fn(self):
        n = self.name
        out = [f"def _{n}__post_prop(P, X, h):", "    xp = jnp",
               f"    V = _{n}__internals(P, h, jnp)", "    Y = dict(X)"]
        self.where = "post"
        for v in self.post_vars:
            if v in self.numeric:
                unsupported(f"the postsynaptic variable '{v}' integrated numerically")
            if v in self.analytic:
                out.append(f"    Y[{v!r}] = {self._p(self.ns['update_expressions'][v])}")
        self.where = "update"
        out.append("    return Y")
        return out

    def _post_emit_fn(self):
        stmts = []
        for port in self.post_ports:
            body = self._block(port)
            stmts += [s for s in (body.get_stmts() if body else []) if self._is_post_emit(s)]
        n = self.name
        out = [f"def _{n}__post_emit(P, X, h):", "    xp = jnp", "    L = {}",
               f"    V = _{n}__internals(P, h, jnp)", "    X = dict(X)"]
        self.where = "post_emit"
        try:
            for s in stmts:
                self._small(s.small_stmt, None, out, 1)
        finally:
            self.where = "update"
        out += [f"    X[{v!r}] = X[{v!r}] + 1.0" for v in self.post_vars if v in self.conv]
        out.append("    return X")
        return out

    def source(self) -> str:
        with model_context(self.name):
            n = self.name
            if self.n.has_delay_variables():
                unsupported("delay differential equations")
            if self.n.get_on_condition_blocks():
                unsupported("onCondition blocks in a synapse")
            ports = [p for p in self.n.get_input_ports()]
            if any(not p.is_spike_input_port() and p.get_symbol_name() not in self.cont_ports
                   for p in ports):
                unsupported("continuous input ports in a synapse (other than postsynaptic "
                            "ones named in neuron_synapse_pairs)")
            pre = [p.get_symbol_name() for p in ports if p.get_symbol_name()
                   not in self.post_ports + self.vt_ports + list(self.cont_ports)]
            if len(pre) != 1:
                unsupported("a synapse whose spike input ports other than the presynaptic one "
                            "are not named as post_ports in neuron_synapse_pairs")
            if len(self.vt_ports) > 1:
                unsupported("more than one volume-transmitter port (vt_ports)")
            parts = ["\n".join(self._function(f)) for f in self.n.get_functions()]
            parts += ["\n".join(self._internals_fn()), "\n".join(self._defaults_fn()),
                      "\n".join(self._post_prop_fn()), "\n".join(self._post_emit_fn())]
            upd = [s for b in self.n.get_update_blocks() for s in b.get_stmts_body().get_stmts()]
            self.where = "update"  # convolutions: propagated before the block, set after it
            conv = {v: self._p(self.ns["update_expressions"][v]) for v in self.pre_conv}
            parts.append("\n".join(self._fn(
                f"def _{n}__advance(P, S, h, _t, mask):", "update", upd, "S",
                init=[f"V = _{n}__internals(P, h, jnp)"]
                + [f"_conv{i} = {e}" for i, e in enumerate(conv.values())],
                tail=[f"S[{v!r}] = _w(mask, _conv{i}, S[{v!r}])" for i, v in enumerate(conv)])))
            post_stmts = []
            for port in self.post_ports:
                body = self._block(port)
                post_stmts += [s for s in (body.get_stmts() if body else [])
                               if not self._is_post_emit(s)]
            parts.append("\n".join(self._fn(
                f"def _{n}__on_post(P, S, X, V, _t, _ts, mask):", "onreceive", post_stmts,
                "S")))
            if self.vt_ports:
                body = self._block(self.vt_ports[0])
                parts.append("\n".join(self._fn(
                    f"def _{n}__on_vt(P, S, X, V, _t, _ts, mask):", "onreceive",
                    body.get_stmts() if body else [], "S")))
            body = self._block(pre[0])
            parts.append("\n".join(self._fn(
                f"def _{n}__on_pre(P, S, X, V, _t, _ts, mask, _rand=None):", "pre",
                body.get_stmts() if body else [], "S, _sent",
                init=["_sent = jnp.zeros_like(jnp.asarray(_t, dtype=jnp.float64))"],
                tail=[f"S[{v!r}] = _w(mask, S[{v!r}] + 1.0, S[{v!r}])"
                      for v in self.pre_conv])))
            common = [p.name for p in self.n.get_parameter_symbols()
                      if PyNestMLLexer.DECORATOR_HOMOGENEOUS in p.get_decorators()]
            state = self._declared_names(self.n.get_state_blocks())
            params = self._declared_names(self.n.get_parameters_blocks())
            tail = [f"_P0, _S0 = _{n}__defaults()",
                    f"{n} = synapse_model({n!r}, params=_P0, state=_S0, "
                    f"param_names={params!r}, state_names={state!r}, common={common!r}, "
                    f"post_vars={self.post_vars!r}, weight_var={self.weight_var!r}, "
                    f"delay_var={self.delay_var!r}, has_post={bool(self.post_ports)!r}, "
                    f"internals=_{n}__internals, post_prop=_{n}__post_prop, "
                    f"post_emit=_{n}__post_emit, advance=_{n}__advance, "
                    f"on_post=_{n}__on_post, on_pre=_{n}__on_pre, draws={self.draws!r}, "
                    f"on_vt={f'_{n}__on_vt' if self.vt_ports else None}, "
                    f"post_params={self.post_params!r}, cont_ports={self.cont_ports!r})",
                    f"MODELS[{n!r}] = {n}"]
            if self.post_params:
                tail.append(f"copy_to_neuron(MODELS, {self.paired_neuron!r}, {n!r}, "
                            f"{self.post_params!r})")
            return "\n\n\n".join(parts) + "\n\n\n" + "\n".join(tail) + "\n"
