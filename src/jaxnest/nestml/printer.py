"""NESTML expressions as Python source over arrays (``xp`` is numpy on the host, jax.numpy in
compiled code).

The arithmetic is printed in the same order, with the same unit-conversion factors and the
same constants (pynestml's ``ConstantPrinter``: 9 significant digits) as NESTML's NEST target
prints it in C++, so that a generated jaxnest model performs the same floating-point
operations as the C++ model NESTML would build for NEST. What a variable *is* (a parameter,
a state variable of the integrator, a spike buffer, ...) depends on where the expression is
evaluated: the :class:`Scope` passed in decides how each variable is spelled.
"""
from __future__ import annotations

import astropy.units

from pynestml.codegeneration.nest_unit_converter import NESTUnitConverter
from pynestml.codegeneration.printers.constant_printer import ConstantPrinter
from pynestml.meta_model.ast_arithmetic_operator import ASTArithmeticOperator
from pynestml.meta_model.ast_bit_operator import ASTBitOperator
from pynestml.meta_model.ast_comparison_operator import ASTComparisonOperator
from pynestml.meta_model.ast_expression import ASTExpression
from pynestml.meta_model.ast_expression_node import ASTExpressionNode
from pynestml.meta_model.ast_function_call import ASTFunctionCall
from pynestml.meta_model.ast_logical_operator import ASTLogicalOperator
from pynestml.meta_model.ast_simple_expression import ASTSimpleExpression
from pynestml.meta_model.ast_variable import ASTVariable
from pynestml.symbols.integer_type_symbol import IntegerTypeSymbol
from pynestml.symbols.predefined_functions import PredefinedFunctions as F
from pynestml.symbols.predefined_units import PredefinedUnits
from pynestml.symbols.predefined_variables import PredefinedVariables
from pynestml.symbols.symbol import SymbolKind
from pynestml.symbols.unit_type_symbol import UnitTypeSymbol
from pynestml.visitors.ast_visitor import ASTVisitor

from .errors import current_model, unsupported

_CONST = ConstantPrinter()

# NESTML function -> numpy/jax.numpy function of the same name under ``xp``
_MATH = {F.EXP: "exp", F.LN: "log", F.LOG10: "log10", F.COS: "cos", F.SIN: "sin",
         F.TAN: "tan", F.COSH: "cosh", F.SINH: "sinh", F.TANH: "tanh", F.CEIL: "ceil",
         F.FLOOR: "floor", F.ABS: "abs", F.EXPM1: "expm1"}


def constant(value) -> str:
    """A number as NESTML's NEST target prints it (floats rounded to 9 significant digits)."""
    if isinstance(value, bool):
        return "True" if value else "False"
    return _CONST.print_constant(value)


def buffer_factor(symbol) -> float:
    """The factor NESTML's NEST target applies when it reads an input port (spike ports are
    in 1/s: the weight sum is multiplied by 0.001)."""
    t = symbol.get_type_symbol()
    if isinstance(t, UnitTypeSymbol):
        return NESTUnitConverter.get_factor(t.unit.unit)
    return 1


def is_integer(node) -> bool:
    """Whether NESTML types ``node`` as an integer (its C++ is then a ``long``). Typing an
    expression sets the implicit unit conversion factors in it, which NEST-NESTML's printer
    does not (it prints the factors its checks set, no others): they are put back."""
    if not isinstance(node, ASTExpressionNode):  # (hasattr would type it)
        return False
    seen = []

    class _Factors(ASTVisitor):
        def visit_expression(self, n):
            seen.append((n, n.get_implicit_conversion_factor()))

        visit_simple_expression = visit_function_call = visit_variable = visit_expression

    node.accept(_Factors())
    t = node.type
    for n, f in seen:
        n.set_implicit_conversion_factor(f)
    return isinstance(t, IntegerTypeSymbol)


def function_name(name: str) -> str:
    """A user-defined function's name in the generated module: prefixed by its model's, as
    one module holds several models whose functions may share a name (wb_cond_exp_neuron's
    and hh_moto_5ht_neuron's ``alpha_m`` differ)."""
    return f"_{current_model()}__fn_{name}"


class Scope:
    """How variables and context-dependent calls are spelled where an expression is evaluated.
    Subclasses override :meth:`variable`; calls that need draws or the time step ask
    :meth:`random_normal`, :meth:`timestep`, ..."""

    xp = "xp"

    def variable(self, var: ASTVariable, symbol) -> str:
        raise NotImplementedError

    def buffer(self, var: ASTVariable, symbol) -> str:
        unsupported(f"input port '{var.get_name()}' read here")

    def inline(self, var: ASTVariable, symbol, printer: "Printer") -> str:
        return "(" + printer.expr(symbol.get_declaring_expression()) + ")"

    def timestep(self) -> str:
        unsupported("timestep() here")

    def resolution(self) -> str:
        return "_h"

    def time(self) -> str:
        unsupported("the predefined variable t here")

    def random_normal(self) -> str:
        unsupported("random_normal() here")

    def random_uniform(self) -> str:
        unsupported("random_uniform() here")

    def random_poisson(self) -> str:
        """The uniform a Poisson draw inverts."""
        unsupported("random_poisson() here")

    def user_function(self, name: str, args: list[str]) -> str:
        return f"{function_name(name)}({self.xp}, (P, V, S), " + ", ".join(args) + ")"


class Printer:
    """Prints NESTML expressions (``ASTExpression`` / ``ASTSimpleExpression``) as Python."""

    def __init__(self, scope: Scope):
        self.scope = scope

    @property
    def xp(self) -> str:
        return self.scope.xp

    # --- expressions ------------------------------------------------------------------------
    def expr(self, node) -> str:
        if isinstance(node, ASTExpression):
            s = self._expression(node)
        elif isinstance(node, ASTSimpleExpression):
            s = self._simple(node)
        elif isinstance(node, ASTVariable):
            return self.var(node)
        elif isinstance(node, ASTFunctionCall):
            return self.call(node)
        else:
            raise TypeError(f"cannot print {node!r}")
        factor = node.get_implicit_conversion_factor()
        if factor and factor != 1:
            return "(" + str(factor) + " * (" + s + "))"
        return s

    def _expression(self, node: ASTExpression) -> str:
        xp = self.xp
        if node.is_unary_operator():
            rhs = self.expr(node.get_expression())
            op = node.get_unary_operator()
            if op.is_unary_plus:
                return "(+" + rhs + ")"
            if op.is_unary_minus:
                return "(-" + rhs + ")"
            unsupported("the bitwise operator ~")
        if node.is_encapsulated:
            return "(" + self.expr(node.get_expression()) + ")"
        if node.is_logical_not:
            return f"{xp}.logical_not({self.expr(node.get_expression())})"
        if node.is_compound_expression():
            return self._binary(node)
        if node.is_ternary_operator():
            c = self.expr(node.get_condition())
            a = self.expr(node.get_if_true())
            b = self.expr(node.if_not)
            return f"{xp}.where({c}, {a}, {b})"
        if node.is_expression():
            return self.expr(node.get_expression())
        raise TypeError(f"cannot print expression {node}")

    def _binary(self, node: ASTExpression) -> str:
        op = node.get_binary_operator()
        xp = self.xp
        if isinstance(op, ASTArithmeticOperator):
            if op.is_pow_op:
                rhs = node.get_rhs()
                if isinstance(rhs, ASTSimpleExpression) and rhs.is_numeric_literal():
                    k = rhs.get_numeric_literal()
                    if isinstance(k, float) and k.is_integer():
                        k = int(k)
                    if isinstance(k, int) and 0 <= k <= 4:
                        if k == 0:
                            return "1.0"
                        lhs = "(" + self.expr(node.get_lhs()) + ")"
                        return "(" + " * ".join([lhs] * k) + ")"
                return f"{xp}.power({self.expr(node.get_lhs())}, {self.expr(node.get_rhs())})"
            lhs, rhs = self.expr(node.get_lhs()), self.expr(node.get_rhs())
            if op.is_plus_op:
                return lhs + " + " + rhs
            if op.is_minus_op:
                return lhs + " - " + rhs
            if op.is_times_op:
                return lhs + " * " + rhs
            if op.is_div_op:
                r = node.get_rhs()
                literal = isinstance(r, ASTSimpleExpression) and r.is_numeric_literal()
                if not literal and is_integer(node.get_lhs()) and is_integer(r):
                    return f"{xp}.trunc({lhs} / {rhs})"  # C++ integer division
                return lhs + " / " + rhs
            if op.is_modulo_op:
                return f"{xp}.fmod({lhs}, {rhs})"
        if isinstance(op, ASTComparisonOperator):
            lhs, rhs = self.expr(node.get_lhs()), self.expr(node.get_rhs())
            sym = ("<" if op.is_lt else "<=" if op.is_le else "==" if op.is_eq else
                   "!=" if (op.is_ne or op.is_ne2) else ">=" if op.is_ge else ">")
            return f"({lhs} {sym} {rhs})"
        if isinstance(op, ASTLogicalOperator):
            lhs, rhs = self.expr(node.get_lhs()), self.expr(node.get_rhs())
            fn = "logical_and" if op.is_logical_and else "logical_or"
            return f"{xp}.{fn}({lhs}, {rhs})"
        if isinstance(op, ASTBitOperator):
            unsupported("bitwise operators")
        raise TypeError(f"cannot print operator in {node}")

    def _simple(self, node: ASTSimpleExpression) -> str:
        if node.is_numeric_literal_with_unit():
            factor = 1
            try:
                v = node.get_variable()
                factor = NESTUnitConverter.get_factor(
                    PredefinedUnits.get_unit(v.get_complete_name()).get_unit())
            except BaseException:
                pass
            try:
                factor = NESTUnitConverter.get_factor(astropy.units.Unit(str(node.unitType)))
            except BaseException:
                pass
            return constant(factor * node.get_numeric_literal())
        if node.is_inf_literal:
            return "_INF"
        if node.is_numeric_literal():
            return constant(node.get_numeric_literal())
        if node.is_boolean_true:
            return "True"
        if node.is_boolean_false:
            return "False"
        if node.is_string():
            unsupported("string literals")
        if node.is_delay_variable():
            unsupported("delay variables")
        if node.is_variable():
            return self.var(node.get_variable())
        if node.is_function_call():
            return self.call(node.get_function_call())
        raise TypeError(f"cannot print {node}")

    # --- variables --------------------------------------------------------------------------
    def var(self, var: ASTVariable) -> str:
        name = var.get_name()
        if name == PredefinedVariables.E_CONSTANT:
            return "_E"
        if name == PredefinedVariables.PI_CONSTANT:
            return "_PI"
        if name == PredefinedVariables.TIME_CONSTANT:
            return self.scope.time()
        symbol = var.get_scope().resolve_to_symbol(var.get_complete_name(), SymbolKind.VARIABLE)
        if symbol is None:
            raise ValueError(f"cannot resolve variable '{var.get_complete_name()}'")
        if symbol.is_buffer():
            return self.scope.buffer(var, symbol)
        if var.has_vector_parameter() or symbol.has_vector_parameter():
            return self._element(var, symbol)
        if symbol.is_inline_expression:
            return self.scope.inline(var, symbol, self)
        return self.scope.variable(var, symbol)

    def _element(self, var: ASTVariable, symbol) -> str:
        """``x[i]`` of a vector parameter, ``i`` any integer expression (per neuron)."""
        index = var.get_vector_parameter()
        if not symbol.is_parameters():
            block = symbol.get_block_type().name.lower()
            unsupported(f"vector variable '{var.get_name()}' ({block}; vectors are supported "
                        "as parameters)")
        if index is None:
            unsupported(f"vector parameter '{var.get_name()}' without an index")
        return f"_at({self.xp}, {self.scope.variable(var, symbol)}, {self.expr(index)})"

    # --- function calls ---------------------------------------------------------------------
    def call(self, node: ASTFunctionCall) -> str:
        name = node.get_name()
        args = [self.expr(a) for a in node.get_args()]
        xp = self.xp
        if name == "Heaviside":
            a = args[0]
            return f"{xp}.where({a} < 0, 0.0, {xp}.where({a} == 0, 0.5, 1.0))"
        if name == F.CLIP:  # C++'s std::min/std::max: a NaN argument is not propagated
            return f"_min({xp}, {args[2]}, _max({xp}, {args[1]}, {args[0]}))"
        if name == F.MAX:
            return f"_max({xp}, {args[0]}, {args[1]})"
        if name == F.MIN:
            return f"_min({xp}, {args[0]}, {args[1]})"
        if name in _MATH:
            return f"{xp}.{_MATH[name]}({args[0]})"
        if name == F.ROUND:  # C's round: half away from zero
            return f"_round({xp}, {args[0]})"
        if name in (F.ERF, F.ERFC):
            return f"_{name}({xp}, {args[0]})"
        if name == F.TIME_TIMESTEP:
            return self.scope.timestep()
        if name == F.TIME_RESOLUTION:
            return self.scope.resolution()
        if name == F.TIME_STEPS:
            return f"_steps({xp}, {args[0]}, {self.scope.resolution()})"
        if name == F.RANDOM_NORMAL:
            return f"(({args[0]}) + ({args[1]}) * {self.scope.random_normal()})"
        if name == F.RANDOM_POISSON:
            return f"_poisson({self.scope.random_poisson()}, {args[0]})"
        if name == F.RANDOM_UNIFORM:
            return f"(({args[0]}) + (({args[1]}) - ({args[0]})) * {self.scope.random_uniform()})"
        if name in (F.PRINT, F.PRINTLN):
            return "None"
        if name == F.POW:
            return f"{xp}.power({args[0]}, {args[1]})"
        if name in (F.LOGGER_INFO, F.LOGGER_WARNING):
            return "None"
        if name in (F.EMIT_SPIKE, F.INTEGRATE_ODES, "deliver_spike", F.CONVOLVE):
            unsupported(f"{name}() inside an expression")
        symbol = node.get_scope().resolve_to_symbol(name, SymbolKind.FUNCTION) \
            if node.get_scope() is not None else None
        if symbol is None or getattr(symbol, "is_predefined", False):
            unsupported(f"the function {name}()")
        return self.scope.user_function(name, args)
