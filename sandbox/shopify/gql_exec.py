"""Running one GraphQL request: parse, validate against the schema slice, price it, check the
cost bucket (reference 3, "Cost and throttle"), execute, and answer with ``extensions.cost``.

Cost model (reference 3, **[M]**): scalars and enums 0, objects 1 plus their selections, a
connection 2 plus the number of objects requested (its nodes are not priced again, which gives
the documented 252 for ``orders(first: 250)``). The requested cost is charged up front; the part
not used (fewer nodes returned than requested) is refunded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.shopify.gql_parse import (
    EnumValue,
    Field,
    GraphQLSyntaxError,
    Operation,
    Variable,
    parse,
)
from sandbox.shopify.gql_schema import TYPES, Context, FieldError, FieldSpec, OrderPage
from sandbox.shopify.state import Bucket

SCALAR_ARG_TYPES = {"Int": int, "String": str, "Boolean": bool, "ID": str}


class RequestError(Exception):
    """The request cannot run: every error in ``errors``, nothing executed or charged."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"])
        self.errors = errors


def _error(message: str, node: Field | None = None, **extensions: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message}
    if node is not None:
        error["locations"] = [{"line": node.line, "column": node.column}]
    if extensions:
        error["extensions"] = extensions
    return error


def _pick_operation(operations: list[Operation], name: str | None) -> Operation:
    if name:
        for operation in operations:
            if operation.name == name:
                return operation
        raise RequestError([_error(f'Operation "{name}" not found in the document')])
    if len(operations) > 1:
        raise RequestError([_error("An operation name is required")])
    return operations[0]


def _coerce_variables(operation: Operation, given: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors = []
    for definition in operation.variables:
        value = given.get(definition.name, definition.default if definition.has_default else None)
        base = definition.type.rstrip("!")
        python = SCALAR_ARG_TYPES.get(base)
        wrong = (
            value is not None
            and python is not None
            and (not isinstance(value, python) or (python is int and isinstance(value, bool)))
        )
        if (definition.type.endswith("!") and value is None) or wrong:
            errors.append(
                _error(
                    f"Variable ${definition.name} of type {definition.type} was provided "
                    "invalid value",
                    problems=[{"path": [], "explanation": f"Expected value of type {base}"}],
                )
            )
        values[definition.name] = value
    if errors:
        raise RequestError(errors)
    return values


@dataclass
class _Validator:
    variables: dict[str, Any]
    operation: Operation
    errors: list[dict[str, Any]] = field(default_factory=list)
    args: dict[int, dict[str, Any]] = field(default_factory=dict)  # id(Field) -> resolved args

    def argument(self, node: Field, spec: FieldSpec, name: str, raw: Any) -> Any:
        if isinstance(raw, Variable):
            if raw.name not in self.variables:
                label = self.operation.name or "anonymous query"
                self.errors.append(
                    _error(f"Variable ${raw.name} is used by {label} but not declared", node)
                )
                return None
            raw = self.variables[raw.name]
        expected = spec.args[name].rstrip("!")
        python = SCALAR_ARG_TYPES.get(expected)
        if isinstance(raw, EnumValue):
            if python is None:
                return raw.name
        else:
            plain = raw is None or (python is None and isinstance(raw, str))
            typed = python is not None and isinstance(raw, python)
            if plain or (typed and not (python is int and isinstance(raw, bool))):
                return raw
        shown = raw.name if isinstance(raw, EnumValue) else repr(raw)
        self.errors.append(
            _error(
                f"Argument '{name}' on Field '{node.name}' has an invalid value ({shown}). "
                f"Expected type '{spec.args[name]}'.",
                node,
                code="argumentLiteralsIncompatible",
            )
        )
        return None

    def walk(self, type_name: str, selections: list[Field], path: list[str]) -> int:
        """Validate ``selections`` on ``type_name``; the requested cost of the selections."""
        cost = 0
        fields = TYPES[type_name]
        for node in selections:
            if node.name == "__typename":
                continue
            spec = fields.get(node.name)
            if spec is None:
                self.errors.append(
                    _error(
                        f"Field '{node.name}' doesn't exist on type '{type_name}'",
                        node,
                        code="undefinedField",
                        typeName=type_name,
                        fieldName=node.name,
                    )
                )
                continue
            resolved = {}
            for arg, raw in node.arguments.items():
                if arg not in spec.args:
                    self.errors.append(
                        _error(
                            f"Field '{node.name}' doesn't accept argument '{arg}'",
                            node,
                            code="argumentNotAccepted",
                            name=node.name,
                            typeName="Field",
                            argumentName=arg,
                        )
                    )
                    continue
                resolved[arg] = self.argument(node, spec, arg, raw)
            self.args[id(node)] = resolved
            if spec.kind == "scalar":
                if node.selections is not None:
                    self.errors.append(
                        _error(
                            f"Selections can't be made on scalars (field '{node.name}' returns "
                            f"{spec.type} but has selections "
                            f"[{', '.join(s.name for s in node.selections)}])",
                            node,
                            code="selectionMismatch",
                        )
                    )
                continue
            if node.selections is None:
                self.errors.append(
                    _error(
                        f"Field must have selections (field '{node.name}' returns {spec.type} "
                        "but has no selections. Did you mean '"
                        f"{node.name} {{ ... }}'?)",
                        node,
                        code="selectionMismatch",
                    )
                )
                continue
            inner = self.walk(spec.type, node.selections, [*path, node.key])
            if spec.kind == "connection":
                size = (
                    resolved.get("first")
                    if resolved.get("first") is not None
                    else resolved.get("last")
                )
                cost += 2 + (size if isinstance(size, int) and size > 0 else 0)
            else:
                cost += 1 + inner
        return cost


@dataclass
class _Executor:
    ctx: Context
    args: dict[int, dict[str, Any]]
    errors: list[dict[str, Any]] = field(default_factory=list)
    unused: int = 0  # requested connection nodes that were not returned

    def select(self, type_name: str, parent: Any, selections: list[Field], path: list[Any]) -> Any:
        out: dict[str, Any] = {}
        fields = TYPES[type_name]
        for node in selections:
            if node.name == "__typename":
                out[node.key] = type_name
                continue
            spec = fields[node.name]
            args = self.args.get(id(node), {})
            try:
                value = spec.resolve(self.ctx, parent, args)
            except FieldError as error:
                self.errors.append(
                    {
                        **_error(error.message, node),
                        "path": [*path, node.key],
                        "extensions": error.extensions,
                    }
                )
                out[node.key] = None
                continue
            if spec.kind == "connection" and isinstance(value, OrderPage):
                size = args.get("first") if args.get("first") is not None else args.get("last")
                self.unused += max(0, (size or 0) - len(value.edges))
            out[node.key] = self.render(spec, value, node, [*path, node.key])
        return out

    def render(self, spec: FieldSpec, value: Any, node: Field, path: list[Any]) -> Any:
        if value is None or spec.kind == "scalar":
            return value
        assert node.selections is not None
        if spec.kind == "list":
            return [
                self.select(spec.type, item, node.selections, [*path, index])
                for index, item in enumerate(value)
            ]
        return self.select(spec.type, value, node.selections, path)


def _cost_extension(requested: int, actual: int | None, bucket: Bucket) -> dict[str, Any]:
    return {
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": {
            "maximumAvailable": float(bucket.capacity),
            "currentlyAvailable": int(bucket.capacity - bucket.level),
            "restoreRate": float(bucket.rate),
        },
    }


def run(
    ctx: Context,
    payload: dict[str, Any],
    bucket: Bucket,
    now: float,
    max_cost: int,
    *,
    force_throttle: bool = False,
) -> dict[str, Any]:
    """The GraphQL response body for ``payload`` (``query``, ``variables``, ``operationName``)."""
    bucket.drain(now)
    query, variables = payload.get("query"), payload.get("variables") or {}
    try:
        if not isinstance(query, str) or not query.strip():
            raise RequestError([_error("No query string was present")])
        if not isinstance(variables, dict):
            raise RequestError([_error("Variables must be a JSON object")])
        try:
            operations = parse(query)
        except GraphQLSyntaxError as exc:
            raise RequestError(
                [{"message": exc.message, "locations": [{"line": exc.line, "column": exc.column}]}]
            ) from None
        name = payload.get("operationName")
        operation = _pick_operation(operations, name if isinstance(name, str) else None)
        root = {"query": "QueryRoot", "mutation": "Mutation"}.get(operation.kind)
        if root != "QueryRoot":
            node = operation.selections[0]
            raise RequestError(
                [_error(f"Field '{node.name}' doesn't exist on type '{root or operation.kind}'",
                        node, code="undefinedField")]
            )  # fmt: skip
        validator = _Validator(_coerce_variables(operation, variables), operation)
        requested = validator.walk("QueryRoot", operation.selections, [])
        if validator.errors:
            raise RequestError(validator.errors)
    except RequestError as exc:
        return {"errors": exc.errors, "extensions": {"cost": _cost_extension(0, 0, bucket)}}

    if requested > max_cost:
        message = (
            f"Query cost is {requested}, which exceeds the single query max cost limit "
            f"({max_cost}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more "
            "information on how the cost of a query is calculated.\n\nTo query larger amounts of "
            "data with fewer limits, bulk operations should be used instead."
        )
        return {
            "errors": [_error(message, code="MAX_COST_EXCEEDED", cost=requested, maxCost=max_cost)],
            "extensions": {"cost": _cost_extension(requested, None, bucket)},
        }
    if force_throttle or requested > bucket.capacity - bucket.level:
        error = _error(
            "Throttled", code="THROTTLED", documentation="https://shopify.dev/api/usage/rate-limits"
        )
        return {"errors": [error], "extensions": {"cost": _cost_extension(requested, None, bucket)}}

    bucket.level += requested
    executor = _Executor(ctx, validator.args)
    data = executor.select("QueryRoot", None, operation.selections, [])
    actual = requested - executor.unused
    bucket.level = max(0.0, bucket.level - (requested - actual))
    body: dict[str, Any] = {}
    if executor.errors:
        body["errors"] = executor.errors
    body["data"] = data
    extensions: dict[str, Any] = {"cost": _cost_extension(requested, actual, bucket)}
    if ctx.search_warnings:
        extensions["search"] = ctx.search_warnings
    body["extensions"] = extensions
    return body
