"""The schema of a catalog entry: a layer type, its parameters and its ports."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Parameter kinds. The editor picks a widget per kind; validate() checks a JSON value.
INT = "int"  # an integer, optionally bounded
FLOAT = "float"  # a number, optionally bounded
BOOL = "bool"
STR = "str"  # free text (names, initializers given by name)
CHOICE = "choice"  # one of `choices` (None may be a choice)
INTS = "ints"  # an int, or a list of `length` ints (kernel_size=3 or [3, 3])
SHAPE = "shape"  # a list of ints; None allowed for a free dimension when `nullable`
LAYER = "layer"  # a nested layer {"type": ..., "params": {...}} (wrappers)
JSON = "json"  # any JSON value; Keras has the last word


@dataclass(frozen=True)
class Param:
    """One constructor keyword argument of a layer."""

    name: str
    kind: str
    default: Any = None
    help: str = ""
    choices: tuple = ()
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    nullable: bool = False  # None is a valid value
    length: int | None = None  # for INTS: the tuple length
    key: bool = False  # shown on the node face

    def validate(self, value: Any) -> str | None:
        """Return why `value` is not acceptable for this parameter, or None if it is."""
        if value is None:
            return None if (self.nullable or self.default is None) else f"{self.name} cannot be empty"
        kind = self.kind
        if kind == BOOL:
            return None if isinstance(value, bool) else f"{self.name} must be true or false"
        if kind == INT:
            if isinstance(value, bool) or not isinstance(value, int):
                return f"{self.name} must be a whole number"
            return self._check_range(value)
        if kind == FLOAT:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                return f"{self.name} must be a finite number"
            return self._check_range(value)
        if kind == STR:
            return None if isinstance(value, str) and value else f"{self.name} must be a non-empty text"
        if kind == CHOICE:
            if value in self.choices:
                return None
            shown = ", ".join("None" if c is None else str(c) for c in self.choices)
            return f"{self.name} must be one of: {shown}"
        if kind == INTS:
            items = [value] if isinstance(value, int) and not isinstance(value, bool) else value
            if not isinstance(items, (list, tuple)) or not items:
                return f"{self.name} must be a whole number or a list of them"
            if self.length and len(items) not in (1, self.length) and not isinstance(value, int):
                return f"{self.name} must have {self.length} values"
            for item in items:
                if isinstance(item, bool) or not isinstance(item, int):
                    return f"{self.name} must hold whole numbers only"
                err = self._check_range(item)
                if err:
                    return err
            return None
        if kind == SHAPE:
            if not isinstance(value, (list, tuple)):
                return f"{self.name} must be a list of dimensions"
            for item in value:
                if item is None and self.nullable:
                    continue
                if isinstance(item, bool) or not isinstance(item, int) or item < (self.min or 0):
                    return f"{self.name} must hold positive whole numbers" + (" or None" if self.nullable else "")
            return None
        if kind == LAYER:
            if not isinstance(value, dict) or not isinstance(value.get("type"), str):
                return f"{self.name} must be a layer: {{\"type\": ..., \"params\": {{...}}}}"
            return None
        return None

    def _check_range(self, value: float) -> str | None:
        if self.min is not None:
            if self.min_exclusive and value <= self.min:
                return f"{self.name} must be greater than {_fmt(self.min)}"
            if not self.min_exclusive and value < self.min:
                return f"{self.name} must be at least {_fmt(self.min)}"
        if self.max is not None and value > self.max:
            return f"{self.name} must be at most {_fmt(self.max)}"
        return None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# How a layer is called on its input ports.
CALL_SINGLE = "single"  # layer(x)
CALL_LIST = "list"  # layer([a, b, ...])  (merge layers)
CALL_POSITIONAL = "positional"  # layer(a, b[, c])  (MultiHeadAttention: query, value, key)


def _one_output(params: dict) -> tuple[str, ...]:
    return ("output",)


@dataclass(frozen=True)
class LayerSpec:
    """A layer type in the catalog, keyed by its Keras class name."""

    type: str
    category: str
    help: str
    params: tuple[Param, ...] = ()
    inputs: tuple[str, ...] = ("input",)  # port names, in port order
    min_inputs: int | None = None  # fewer than len(inputs) allowed (optional trailing ports)
    variadic: bool = False  # any number >= min_inputs of ports named like inputs[0]
    call: str = CALL_SINGLE
    outputs: Callable[[dict], tuple[str, ...]] = field(default=_one_output, compare=False)

    @property
    def is_input(self) -> bool:
        return self.type == "Input"

    @property
    def required_inputs(self) -> int:
        return len(self.inputs) if self.min_inputs is None else self.min_inputs

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    def defaults(self) -> dict:
        """The parameters a new node starts with (Keras's own defaults)."""
        return {p.name: p.default for p in self.params}

    def port_name(self, port: int) -> str:
        if self.variadic:
            return f"{self.inputs[0]} {port + 1}"
        return self.inputs[port] if 0 <= port < len(self.inputs) else f"input {port + 1}"

    def validate_params(self, params: dict) -> list[str]:
        """Check each known parameter's value; unknown names are left for Keras to judge."""
        errors = []
        for name, value in params.items():
            p = self.param(name)
            if p is not None:
                err = p.validate(value)
                if err:
                    errors.append(err)
        return errors
