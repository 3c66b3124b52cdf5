"""Rewrite a PyNEST script's ``nest`` imports to jaxnest, leaving every other byte alone.

``import nest`` -> ``import jaxnest as nest``; ``import nest.x`` (which binds ``nest``) ->
``import jaxnest as nest, jaxnest.x``; ``from nest[.x] import y`` -> ``from jaxnest[.x] import
y``. Edits are made at the import statements' AST positions, so comments, layout and line
numbers stay as they were.
"""
from __future__ import annotations

import ast


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
    edits = []
    for node in ast.walk(tree):
        new = _rewrite_import(node) if isinstance(node, (ast.Import, ast.ImportFrom)) else None
        if new is not None:
            start = offsets[node.lineno - 1] + _char_col(lines[node.lineno - 1], node.col_offset)
            end = offsets[node.end_lineno - 1] + _char_col(lines[node.end_lineno - 1],
                                                            node.end_col_offset)
            edits.append((start, end, new))
    for start, end, new in sorted(edits, reverse=True):
        source = source[:start] + new + source[end:]
    return source


def _char_col(line: str, byte_col: int) -> int:
    """AST columns count UTF-8 bytes; string slicing counts characters."""
    return len(line.encode()[:byte_col].decode(errors="ignore"))
