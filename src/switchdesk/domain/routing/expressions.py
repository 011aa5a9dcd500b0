"""Attribute expressions: tokenizer, parser and compiler to closures (no ``eval``).

Grammar (keywords are case-insensitive)::

    expression := or
    or         := and ("OR" and)*
    and        := not ("AND" not)*
    not        := "NOT" not | comparison
    comparison := operand (operator operand)?
    operator   := "==" | "!=" | ">" | ">=" | "<" | "<=" | "IN" | "NOT IN" | "HAS" | "CONTAINS"
    operand    := literal | path | list | "(" expression ")"
    path       := ("agent" | "interaction") ("." name | "[" string "]")*
    list       := "[" (operand ("," operand)*)? "]"
    literal    := number | string | "true" | "false" | "null"

Semantics, chosen so that an expression never raises at routing time:

- a path that does not exist yields ``null``;
- ``==`` and ``!=`` compare values as they are (``1 == 1.0``; ``"1" != 1``);
- ``> >= < <=`` are false unless both sides are numbers or both are strings;
- ``a IN b`` is true when ``b`` is a list, a mapping (its keys) or a string holding ``a``;
  ``NOT IN`` is its negation;
- ``a HAS b`` is true when the list or mapping ``a`` holds ``b`` (a mapping: as a key);
- ``a CONTAINS b`` is true when the string ``a`` contains the string ``b`` or the list or
  mapping ``a`` holds ``b``;
- a lone operand is read as a truth value (``agent.supervisor``).

Errors are :class:`~switchdesk.domain.errors.ConfigurationError` with the position (0-based
character offset) in the message and in ``extra["position"]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from switchdesk.domain.errors import ConfigurationError

__all__ = ["AttributeSchema", "CompiledExpression", "check_attributes", "compile_expression"]

Evaluator = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<op>==|!=|>=|<=|>|<)
  | (?P<punct>[()\[\],.])
  | (?P<name>[A-Za-z_][A-Za-z0-9_\-]*)
    """,
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "has", "contains", "true", "false", "null"}
_ROOTS = ("agent", "interaction")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # number, string, op, punct, name, keyword, end
    text: str
    position: int
    value: Any = None


def _fail(source: str, position: int, message: str, where: str) -> ConfigurationError:
    prefix = f"{where}: " if where else ""
    return ConfigurationError(
        f"{prefix}{message} at position {position} in expression {source!r}",
        code="configuration_invalid",
        position=position,
        expression=source,
        where=where,
    )


def _unescape(raw: str) -> str:
    body = raw[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _tokenize(source: str, where: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            raise _fail(source, pos, f"unexpected character {source[pos]!r}", where)
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "number":
            # A minus directly after an operand is not a sign: keep grammar simple and
            # reject it rather than guess.
            value: Any = float(text) if any(c in text for c in ".eE") else int(text)
            tokens.append(_Token("number", text, pos, value))
        elif kind == "string":
            tokens.append(_Token("string", text, pos, _unescape(text)))
        elif kind == "name":
            lowered = text.lower()
            if lowered in _KEYWORDS:
                tokens.append(_Token("keyword", lowered, pos))
            else:
                tokens.append(_Token("name", text, pos))
        elif kind in ("op", "punct"):
            tokens.append(_Token(kind, text, pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(source)))
    return tokens


# --- AST ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Literal:
    value: Any


@dataclass(frozen=True, slots=True)
class _Path:
    root: str
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _List:
    items: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Not:
    operand: _Node


@dataclass(frozen=True, slots=True)
class _Logical:
    operator: str  # and / or
    operands: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Compare:
    operator: str
    left: _Node
    right: _Node


_Node = _Literal | _Path | _List | _Not | _Logical | _Compare


class _Parser:
    def __init__(self, source: str, where: str) -> None:
        self.source = source
        self.where = where
        self.tokens = _tokenize(source, where)
        self.index = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(self, token: _Token, message: str) -> ConfigurationError:
        return _fail(self.source, token.position, message, self.where)

    def is_keyword(self, word: str) -> bool:
        token = self.peek()
        return token.kind == "keyword" and token.text == word

    def expect_punct(self, text: str) -> None:
        token = self.take()
        if token.kind != "punct" or token.text != text:
            found = token.text or "end of expression"
            raise self.fail(token, f"expected {text!r} but found {found!r}")

    def parse(self) -> _Node:
        if self.peek().kind == "end":
            raise self.fail(self.peek(), "empty expression")
        node = self.parse_or()
        token = self.peek()
        if token.kind != "end":
            raise self.fail(token, f"unexpected {token.text!r}")
        return node

    def parse_or(self) -> _Node:
        operands = [self.parse_and()]
        while self.is_keyword("or"):
            self.take()
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else _Logical("or", tuple(operands))

    def parse_and(self) -> _Node:
        operands = [self.parse_not()]
        while self.is_keyword("and"):
            self.take()
            operands.append(self.parse_not())
        return operands[0] if len(operands) == 1 else _Logical("and", tuple(operands))

    def parse_not(self) -> _Node:
        if self.is_keyword("not"):
            self.take()
            return _Not(self.parse_not())
        return self.parse_comparison()

    def parse_comparison(self) -> _Node:
        left = self.parse_operand()
        token = self.peek()
        operator: str | None = None
        if token.kind == "op" or (
            token.kind == "keyword" and token.text in ("in", "has", "contains")
        ):
            operator = token.text
            self.take()
        elif token.kind == "keyword" and token.text == "not":
            nxt = self.tokens[self.index + 1]
            if nxt.kind == "keyword" and nxt.text == "in":
                self.take()
                self.take()
                operator = "not in"
            else:
                raise self.fail(nxt, "expected 'IN' after 'NOT'")
        if operator is None:
            return left
        right = self.parse_operand()
        follow = self.peek()
        if follow.kind == "op" or (
            follow.kind == "keyword" and follow.text in ("in", "has", "contains")
        ):
            raise self.fail(follow, "comparisons cannot be chained; use AND")
        return _Compare(operator, left, right)

    def parse_operand(self) -> _Node:
        token = self.take()
        if token.kind in ("number", "string"):
            return _Literal(token.value)
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            return _Literal({"true": True, "false": False, "null": None}[token.text])
        if token.kind == "punct" and token.text == "(":
            node = self.parse_or()
            self.expect_punct(")")
            return node
        if token.kind == "punct" and token.text == "[":
            items: list[_Node] = []
            if self.peek().kind == "punct" and self.peek().text == "]":
                self.take()
                return _List(())
            while True:
                items.append(self.parse_operand())
                closing = self.take()
                if closing.kind == "punct" and closing.text == "]":
                    return _List(tuple(items))
                if not (closing.kind == "punct" and closing.text == ","):
                    found = closing.text or "end of expression"
                    raise self.fail(closing, f"expected ',' or ']' but found {found!r}")
        if token.kind == "name":
            if token.text not in _ROOTS:
                raise self.fail(
                    token,
                    f"unknown name {token.text!r}; paths start with 'agent.' or 'interaction.'",
                )
            keys: list[str] = []
            while self.peek().kind == "punct" and self.peek().text in (".", "["):
                sep = self.take()
                if sep.text == ".":
                    name = self.take()
                    if name.kind not in ("name", "keyword"):
                        raise self.fail(name, "expected an attribute name after '.'")
                    keys.append(name.text)
                else:
                    key = self.take()
                    if key.kind != "string":
                        raise self.fail(key, "expected a quoted key after '['")
                    keys.append(str(key.value))
                    self.expect_punct("]")
            if not keys:
                raise self.fail(token, f"{token.text!r} needs an attribute, e.g. {token.text}.x")
            return _Path(token.text, tuple(keys))
        found = token.text or "end of expression"
        raise self.fail(token, f"expected a value but found {found!r}")


# --- compiler -------------------------------------------------------------------------

_MISSING: Any = None


def _resolve(root: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    value: Any = root
    for key in keys:
        if isinstance(value, Mapping):
            value = value.get(key, _MISSING)
        else:
            return _MISSING
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _ordered(left: Any, right: Any) -> bool:
    return (_is_number(left) and _is_number(right)) or (
        isinstance(left, str) and isinstance(right, str)
    )


def _holds(container: Any, item: Any) -> bool:
    if isinstance(container, Mapping | list | tuple | set | frozenset):
        try:
            return item in container
        except TypeError:
            return False
    return False


def _op_in(left: Any, right: Any) -> bool:
    if isinstance(right, str):
        return isinstance(left, str) and left in right
    return _holds(right, left)


def _op_contains(left: Any, right: Any) -> bool:
    if isinstance(left, str):
        return isinstance(right, str) and right in left
    return _holds(left, right)


def _compile(node: _Node) -> Evaluator:
    if isinstance(node, _Literal):
        constant = node.value
        return lambda a, i: constant
    if isinstance(node, _Path):
        keys = node.keys
        if node.root == "agent":
            if len(keys) == 1:
                key = keys[0]
                return lambda a, i: a.get(key)
            return lambda a, i: _resolve(a, keys)
        if len(keys) == 1:
            key = keys[0]
            return lambda a, i: i.get(key)
        return lambda a, i: _resolve(i, keys)
    if isinstance(node, _List):
        parts = tuple(_compile(item) for item in node.items)
        if all(isinstance(item, _Literal) for item in node.items):
            frozen = [item.value for item in node.items if isinstance(item, _Literal)]
            return lambda a, i: frozen
        return lambda a, i: [part(a, i) for part in parts]
    if isinstance(node, _Not):
        inner = _compile(node.operand)
        return lambda a, i: not inner(a, i)
    if isinstance(node, _Logical):
        parts = tuple(_compile(item) for item in node.operands)
        if node.operator == "and":
            return lambda a, i: all(bool(part(a, i)) for part in parts)
        return lambda a, i: any(bool(part(a, i)) for part in parts)
    left = _compile(node.left)
    right = _compile(node.right)
    op = node.operator
    if op == "==":
        return lambda a, i: left(a, i) == right(a, i)
    if op == "!=":
        return lambda a, i: left(a, i) != right(a, i)
    if op in (">", ">=", "<", "<="):
        return _compile_order(op, left, right)
    if op == "in":
        return lambda a, i: _op_in(left(a, i), right(a, i))
    if op == "not in":
        return lambda a, i: not _op_in(left(a, i), right(a, i))
    if op == "has":
        return lambda a, i: _holds(left(a, i), right(a, i))
    return lambda a, i: _op_contains(left(a, i), right(a, i))


def _compile_order(op: str, left: Evaluator, right: Evaluator) -> Evaluator:
    def greater(a: Mapping[str, Any], i: Mapping[str, Any]) -> bool:
        x, y = left(a, i), right(a, i)
        return _ordered(x, y) and bool(x > y)

    def greater_equal(a: Mapping[str, Any], i: Mapping[str, Any]) -> bool:
        x, y = left(a, i), right(a, i)
        return _ordered(x, y) and bool(x >= y)

    def less(a: Mapping[str, Any], i: Mapping[str, Any]) -> bool:
        x, y = left(a, i), right(a, i)
        return _ordered(x, y) and bool(x < y)

    def less_equal(a: Mapping[str, Any], i: Mapping[str, Any]) -> bool:
        x, y = left(a, i), right(a, i)
        return _ordered(x, y) and bool(x <= y)

    return {">": greater, ">=": greater_equal, "<": less, "<=": less_equal}[op]


def _collect_paths(node: _Node, out: list[_Path]) -> None:
    if isinstance(node, _Path):
        out.append(node)
    elif isinstance(node, _List):
        for item in node.items:
            _collect_paths(item, out)
    elif isinstance(node, _Not):
        _collect_paths(node.operand, out)
    elif isinstance(node, _Logical):
        for item in node.operands:
            _collect_paths(item, out)
    elif isinstance(node, _Compare):
        _collect_paths(node.left, out)
        _collect_paths(node.right, out)


@dataclass(frozen=True, slots=True, eq=False)
class CompiledExpression:
    """A compiled expression; call :meth:`evaluate` with the agent and interaction views."""

    source: str
    evaluator: Evaluator
    interaction_paths: tuple[tuple[str, ...], ...]
    uses_agent: bool
    paths: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Every attribute path read, as (root, keys), in order of first appearance."""

    @property
    def uses_interaction(self) -> bool:
        return bool(self.interaction_paths)

    def evaluate(
        self, agent: Mapping[str, Any], interaction: Mapping[str, Any] | None = None
    ) -> bool:
        return bool(self.evaluator(agent, interaction if interaction is not None else {}))


def compile_expression(
    source: str,
    *,
    where: str = "",
    allow_agent: bool = True,
    allow_interaction: bool = True,
) -> CompiledExpression:
    """Parse and compile ``source``; raise ConfigurationError with the position if bad.

    ``where`` names the configuration item for error messages (e.g. ``queue 'billing'
    eligibility``). ``allow_agent``/``allow_interaction`` restrict which roots may appear.
    """
    parser = _Parser(source, where)
    tree = parser.parse()
    paths: list[_Path] = []
    _collect_paths(tree, paths)
    # Find positions of forbidden roots for a precise message.
    for token in parser.tokens:
        if token.kind == "name" and token.text == "agent" and not allow_agent:
            raise _fail(source, token.position, "'agent.' is not allowed here", where)
        if token.kind == "name" and token.text == "interaction" and not allow_interaction:
            raise _fail(source, token.position, "'interaction.' is not allowed here", where)
    interaction_paths: list[tuple[str, ...]] = []
    every: list[tuple[str, tuple[str, ...]]] = []
    for path in paths:
        if path.root == "interaction" and path.keys not in interaction_paths:
            interaction_paths.append(path.keys)
        if (path.root, path.keys) not in every:
            every.append((path.root, path.keys))
    return CompiledExpression(
        source=source,
        evaluator=_compile(tree),
        interaction_paths=tuple(interaction_paths),
        uses_agent=any(path.root == "agent" for path in paths),
        paths=tuple(every),
    )


# --- known attributes -----------------------------------------------------------------

AttributeSchema = Mapping[str, "AttributeSchema | None"]
"""The attribute names an expression may read below a root: a name maps to ``None`` (a
value: nothing below it) or to the schema of what is below it; the name ``"*"`` stands for
any name (e.g. the skills, which are as many as the center gives its agents)."""

ANY_NAME = "*"


def _unknown_key(keys: tuple[str, ...], schema: AttributeSchema) -> int | None:
    """The index of the first key ``schema`` does not know, or None if all are known."""
    level: AttributeSchema | None = schema
    for index, key in enumerate(keys):
        if level is None:
            return index
        if key in level:
            level = level[key]
        elif ANY_NAME in level:
            level = level[ANY_NAME]
        else:
            return index
    return None


def _known_names(schema: AttributeSchema | None) -> list[str]:
    return sorted(name for name in (schema or {}) if name != ANY_NAME)


def check_attributes(
    expression: CompiledExpression, known: Mapping[str, AttributeSchema], *, where: str = ""
) -> None:
    """Refuse an expression that reads an attribute ``known`` (schemas by root, ``agent``
    and ``interaction``) does not have: such a path is always ``null``, so a rule on it
    never matches. Raises ConfigurationError (code ``expression_attribute_unknown``) naming
    the first unknown attribute and the names known where it stands."""
    for root, keys in expression.paths:
        schema = known.get(root, {})
        index = _unknown_key(keys, schema)
        if index is None:
            continue
        name = ".".join((root, *keys[: index + 1]))
        parent: AttributeSchema | None = schema
        for key in keys[:index]:
            parent = (parent or {}).get(key, (parent or {}).get(ANY_NAME))
        names = _known_names(parent)
        if parent is None:
            hint = f"{'.'.join((root, *keys[:index]))} has no attributes below it"
        elif names:
            hint = f"known here: {', '.join(names)}"
        else:
            hint = "nothing is known here"
        prefix = f"{where}: " if where else ""
        raise ConfigurationError(
            f"{prefix}unknown attribute {name!r} in expression {expression.source!r} ({hint})",
            code="expression_attribute_unknown",
            attribute=name,
            known=names,
            where=where,
        )
