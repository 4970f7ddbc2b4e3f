"""The schema of a catalog entry: a layer type, its parameters and its ports."""

from __future__ import annotations

import copy
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
LAYER = "layer"  # a nested layer {"type": ..., "params": {...}} (wrappers); `choices` limits the types
LAYERS = "layers"  # a non-empty list of nested layers (StackedRNNCells' cells)
JSON = "json"  # any JSON value (e.g. ((1, 1), (2, 2)) paddings); `check` or Keras has the last word


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
    # Also accept a Keras serialized object ({"class_name": ..., "config": {...}}), as get_config() writes
    # initializers, regularizers and constraints; imported models carry them.
    accepts_config: bool = False
    # Given to Keras as a tuple: a layer keeps a list argument as a tracked attribute (TrackedList), which its
    # get_config() then returns and which cannot be copied.
    as_tuple: bool = False
    # A rule the kind cannot express: returns what is wrong ("must ...") or None. Runs after the kind's check.
    check: Callable[[Any], str | None] | None = field(default=None, compare=False, repr=False)

    def validate(self, value: Any) -> str | None:
        """Return why `value` is not acceptable for this parameter, or None if it is."""
        if value is None:
            return None if (self.nullable or self.default is None) else f"{self.name} cannot be empty"
        if self.accepts_config and isinstance(value, dict):
            return self._check_config(value)
        err = self._check_kind(value)
        if err is None and self.check is not None:
            why = self.check(value)
            err = f"{self.name} {why}" if why else None
        return err

    def _check_kind(self, value: Any) -> str | None:
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
            # `is`/type-exact comparison: True == 1 in Python, but Keras tells them apart.
            if any(value is c or (type(value) is type(c) and value == c) for c in self.choices):
                return None
            shown = ", ".join("None" if c is None else str(c) for c in self.choices)
            return f"{self.name} must be one of: {shown}"
        if kind == INTS:
            if isinstance(value, int) and not isinstance(value, bool):
                items = [value]
            elif isinstance(value, (list, tuple)) and value:
                if self.length and len(value) != self.length:  # Keras wants exactly `length` (or one int)
                    return f"{self.name} must be a whole number or a list of {self.length}"
                items = list(value)
            else:
                return f"{self.name} must be a whole number or a list of them"
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
            lowest = 0 if self.min is None else self.min
            for item in value:
                if item is None and self.nullable:
                    continue
                if isinstance(item, bool) or not isinstance(item, int) or item < lowest:
                    what = "positive whole numbers" if lowest == 1 else f"whole numbers of at least {_fmt(lowest)}"
                    return f"{self.name} must hold {what}" + (" or None" if self.nullable else "")
            return None
        if kind == LAYER:
            return self._check_layer(value)
        if kind == LAYERS:
            if not isinstance(value, list) or not value:
                return f"{self.name} must be a non-empty list of layers"
            return next((err for err in map(self._check_layer, value) if err), None)
        return None

    def _check_layer(self, value: Any) -> str | None:
        if not isinstance(value, dict) or not isinstance(value.get("type"), str):
            return f"{self.name} must be a layer: {{\"type\": ..., \"params\": {{...}}}}"
        type_name, params = value["type"], value.get("params") or {}
        if self.choices and type_name not in self.choices:
            return f"{self.name} must be one of: {', '.join(self.choices)}"
        from layerlab.core import catalog  # the registry imports this module

        spec = catalog.get(type_name)
        if spec is None or spec.is_input or spec.is_operation or spec.application:
            return f"{self.name} has an unknown layer type '{type_name}'"
        if not isinstance(params, dict):
            return f"{self.name}: params must be an object"
        errors = spec.validate_params(params)
        return f"{self.name} ({type_name}): {errors[0]}" if errors else None

    def _check_config(self, value: dict) -> str | None:
        module = value.get("module", "keras")
        if (not isinstance(value.get("class_name"), str) or not isinstance(value.get("config", {}), dict)
                or not isinstance(module, str) or not module.startswith("keras")):
            return f"{self.name} must be a name or a Keras config {{\"class_name\": ..., \"config\": {{...}}}}"
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
CALL_LIST = "list"  # layer([a, b, ...])  (merge layers; Attention takes [query, value(, key)])
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
    # The output port names for given params: several for RNNs with return_state, Bidirectional...
    outputs: Callable[[dict], tuple[str, ...]] = field(default=_one_output, compare=False)
    # Ports past the positional ones that Keras takes by keyword: (port name, keyword). Ports sharing a keyword
    # are passed together as a list (an LSTM's initial_state=[h, c]); all are optional.
    keyword_inputs: tuple[tuple[str, str], ...] = ()
    nested_only: bool = False  # only inside another layer (RNN cells): not in the palette, not a node
    operation: str | None = None  # a keras.ops operation ("numpy.Add"), not a layer; see catalog.entries.operations
    application: str | None = None  # a keras.applications model or preprocess_input; see catalog.entries.applications

    @property
    def is_operation(self) -> bool:
        return self.operation is not None

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
        """The parameters a new node starts with (Keras's own defaults); a fresh copy each time."""
        return {p.name: copy.deepcopy(p.default) for p in self.params}

    def initial_params(self) -> dict:
        """What a new node is given: its key parameters (every argument Keras requires is one).

        Everything else is left out, so Keras's own default applies and files stay short.
        """
        return {p.name: copy.deepcopy(p.default) for p in self.params if p.key and p.default is not None}

    def key_params(self) -> tuple[Param, ...]:
        """The parameters shown on the node's face."""
        return tuple(p for p in self.params if p.key)

    @property
    def all_inputs(self) -> tuple[str, ...]:
        """Every input port name: the positional ones, then the keyword ones."""
        return self.inputs + tuple(name for name, _ in self.keyword_inputs)

    def port_name(self, port: int) -> str:
        if self.variadic:
            return f"{self.inputs[0]} {port + 1}"
        names = self.all_inputs
        return names[port] if 0 <= port < len(names) else f"input {port + 1}"

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
