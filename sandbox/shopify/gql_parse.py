"""A small, strict parser for the GraphQL documents the sandbox serves: one operation (query),
variables, aliases, arguments with literal or variable values, and nested selections.

Not a general GraphQL engine: fragments, directives and subscriptions are refused with an error
the client can read, as Shopify refuses anything outside its schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class GraphQLSyntaxError(ValueError):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


@dataclass(frozen=True)
class Variable:
    name: str


@dataclass(frozen=True)
class EnumValue:
    name: str


@dataclass
class Field:
    name: str
    alias: str | None
    arguments: dict[str, Any]
    selections: list[Field] | None
    line: int
    column: int

    @property
    def key(self) -> str:
        return self.alias or self.name


@dataclass
class VariableDef:
    name: str
    type: str  # e.g. "Int!", "[String]"
    default: Any = None
    has_default: bool = False


@dataclass
class Operation:
    kind: str  # "query" | "mutation" | "subscription"
    name: str | None
    variables: list[VariableDef] = field(default_factory=list)
    selections: list[Field] = field(default_factory=list)


TOKEN = re.compile(
    r'''(?P<ws>[\s,\ufeff]+|\#[^\n\r]*)
      |(?P<block>"""(?:\\"""|[^"]|"(?!""))*""")
      |(?P<string>"(?:\\.|[^"\\\n\r])*")
      |(?P<float>-?\d+(?:\.\d+[eE][+-]?\d+|\.\d+|[eE][+-]?\d+))
      |(?P<int>-?\d+)
      |(?P<spread>\.\.\.)
      |(?P<name>[_A-Za-z][_0-9A-Za-z]*)
      |(?P<punct>[!$():=@\[\]{}|&])
    ''',
    re.VERBOSE,
)

Token = tuple[str, str, int, int]  # kind, text, line, column


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    pos, line, line_start = 0, 1, 0
    while pos < len(source):
        match = TOKEN.match(source, pos)
        if match is None:
            raise GraphQLSyntaxError(f"Parse error on {source[pos]!r}", line, pos - line_start + 1)
        kind = match.lastgroup or ""
        text = match.group()
        if kind != "ws":
            tokens.append((kind, text, line, pos - line_start + 1))
        newlines = text.count("\n")
        if newlines:
            line += newlines
            line_start = pos + text.rfind("\n") + 1
        pos = match.end()
    return tokens


def _unescape(text: str) -> str:
    if text.startswith('"""'):
        return text[3:-3].replace('\\"""', '"""')
    out, i, body = [], 0, text[1:-1]
    escapes = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "/": "/"}
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u":
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(escapes.get(nxt, nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.i = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def error(self, message: str) -> GraphQLSyntaxError:
        token = self.peek()
        if token is None:
            last = self.tokens[-1] if self.tokens else ("", "", 1, 1)
            return GraphQLSyntaxError(f"{message} (at end of document)", last[2], last[3])
        return GraphQLSyntaxError(f'{message} (at "{token[1]}")', token[2], token[3])

    def take(self, text: str | None = None, kind: str | None = None) -> Token:
        token = self.peek()
        if (
            token is None
            or (text is not None and token[1] != text)
            or (kind is not None and token[0] != kind)
        ):
            raise self.error(f"Expected {text or kind}")
        self.i += 1
        return token

    def at(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token[1] == text and token[0] in ("punct", "spread", "name")

    def document(self) -> list[Operation]:
        operations = []
        while self.peek() is not None:
            operations.append(self.operation())
        if not operations:
            raise GraphQLSyntaxError("No operations provided")
        return operations

    def operation(self) -> Operation:
        if self.at("{"):
            return Operation("query", None, [], self.selection_set())
        token = self.take(kind="name")
        if token[1] == "fragment":
            raise GraphQLSyntaxError(
                "Fragments are not supported by the sandbox", token[2], token[3]
            )
        if token[1] not in ("query", "mutation", "subscription"):
            raise GraphQLSyntaxError(f'Parse error on "{token[1]}"', token[2], token[3])
        name = self.take(kind="name")[1] if self.peek() and self.peek_kind() == "name" else None
        variables = self.variable_defs() if self.at("(") else []
        if self.at("@"):
            raise self.error("Directives are not supported by the sandbox")
        return Operation(token[1], name, variables, self.selection_set())

    def peek_kind(self) -> str:
        token = self.peek()
        return token[0] if token else ""

    def variable_defs(self) -> list[VariableDef]:
        self.take("(")
        defs = []
        while not self.at(")"):
            self.take("$")
            name = self.take(kind="name")[1]
            self.take(":")
            var_type = self.type_ref()
            definition = VariableDef(name, var_type)
            if self.at("="):
                self.take("=")
                definition.default, definition.has_default = self.value(const=True), True
            defs.append(definition)
        self.take(")")
        return defs

    def type_ref(self) -> str:
        if self.at("["):
            self.take("[")
            inner = self.type_ref()
            self.take("]")
            text = f"[{inner}]"
        else:
            text = self.take(kind="name")[1]
        if self.at("!"):
            self.take("!")
            text += "!"
        return text

    def selection_set(self) -> list[Field]:
        self.take("{")
        fields = []
        while not self.at("}"):
            if self.at("..."):
                raise self.error("Fragments are not supported by the sandbox")
            fields.append(self.field())
        self.take("}")
        if not fields:
            raise self.error("Selection set cannot be empty")
        return fields

    def field(self) -> Field:
        token = self.take(kind="name")
        alias, name = None, token[1]
        if self.at(":"):
            self.take(":")
            alias, name = name, self.take(kind="name")[1]
        arguments: dict[str, Any] = {}
        if self.at("("):
            self.take("(")
            while not self.at(")"):
                arg = self.take(kind="name")[1]
                self.take(":")
                arguments[arg] = self.value(const=False)
            self.take(")")
        if self.at("@"):
            raise self.error("Directives are not supported by the sandbox")
        selections = self.selection_set() if self.at("{") else None
        return Field(name, alias, arguments, selections, token[2], token[3])

    def value(self, *, const: bool) -> Any:
        token = self.peek()
        if token is None:
            raise self.error("Expected a value")
        kind, text = token[0], token[1]
        if text == "$" and kind == "punct":
            if const:
                raise self.error("Variables are not allowed here")
            self.take("$")
            return Variable(self.take(kind="name")[1])
        self.i += 1
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind in ("string", "block"):
            return _unescape(text)
        if kind == "name":
            literals: dict[str, Any] = {"true": True, "false": False, "null": None}
            return literals[text] if text in literals else EnumValue(text)
        if text == "[":
            items = []
            while not self.at("]"):
                items.append(self.value(const=const))
            self.take("]")
            return items
        if text == "{":
            obj = {}
            while not self.at("}"):
                key = self.take(kind="name")[1]
                self.take(":")
                obj[key] = self.value(const=const)
            self.take("}")
            return obj
        self.i -= 1
        raise self.error("Expected a value")


def parse(source: str) -> list[Operation]:
    return _Parser(source).document()
