"""Rewrite a PyNEST script's ``nest`` imports to jaxnest, leaving every other byte alone.

``import nest`` -> ``import jaxnest as nest``; ``import nest.x`` (which binds ``nest``) ->
``import jaxnest as nest, jaxnest.x``; ``from nest[.x] import y`` -> ``from jaxnest[.x] import
y``. Edits are made at the import statements' AST positions, so comments, layout and line
numbers stay as they were.
"""
from __future__ import annotations

import ast
import re


def _rewrite_import(node) -> str | None:
    if isinstance(node, ast.Import):
        if not any(a.name == "nest" or a.name.startswith("nest.") for a in node.names):
            return None
        parts = []
        for a in node.names:
            if a.name == "nest":
                parts.append(f"jaxnest as {a.asname or 'nest'}")
            elif a.name.startswith("nest."):
                real = "jaxnest" + a.name[4:]
                if a.asname:
                    parts.append(f"{real} as {a.asname}")
                else:  # `import nest.x` binds `nest`
                    parts += ["jaxnest as nest", real]
            else:
                parts.append(a.name + (f" as {a.asname}" if a.asname else ""))
        return "import " + ", ".join(dict.fromkeys(parts))
    if isinstance(node, ast.ImportFrom) and not node.level and node.module and \
            node.module.split(".")[0] == "nest":
        names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in node.names)
        return f"from jaxnest{node.module[4:]} import {names}"
    return None


def rewrite(source: str) -> str:
    """``source`` with every ``nest`` import turned into the jaxnest equivalent; the rest of
    the text (comments, layout, line numbers) is kept."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln))

    def pos(line: int, col: int) -> int:
        return offsets[line - 1] + _char_col(lines[line - 1], col)

    edits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if _rewrite_import(node) is None:
                continue
            # only the module name changes: `from nest import (\n a,\n b)` keeps its lines
            start = pos(node.lineno, node.col_offset)
            m = _FROM.match(source, start)
            if m and source.startswith("nest", m.end()):
                edits.append((m.end(), m.end() + 4, "jaxnest"))
        elif isinstance(node, ast.Import):
            new = _rewrite_import(node)
            if new is None:
                continue
            if node.lineno == node.end_lineno:  # one line: one statement, duplicates merged
                edits.append((pos(node.lineno, node.col_offset),
                              pos(node.end_lineno, node.end_col_offset), new))
                continue
            for a in node.names:  # continued lines (backslashes): alias by alias
                if a.name == "nest" or a.name.startswith("nest."):
                    text = _rewrite_import(ast.Import(names=[a]))[len("import "):]
                    edits.append((pos(a.lineno, a.col_offset),
                                  pos(a.end_lineno, a.end_col_offset), text))
    for start, end, new in sorted(edits, reverse=True):
        source = source[:start] + new + source[end:]
    return source


_FROM = re.compile(r"from(?:[ \t\f]|\\\r?\n)+")


def _char_col(line: str, byte_col: int) -> int:
    """AST columns count UTF-8 bytes; string slicing counts characters."""
    return len(line.encode()[:byte_col].decode(errors="ignore"))
