"""A layer parameter's value as text: how the inspector writes it in a field and reads back what was typed.

Qt-free, so the rules are tested without a widget: `parse_text` raises a
ValueError that says what is wrong, and the field shows it as "'…' refused: …".
"""

from __future__ import annotations

import json
import re
from typing import Any

from layerlab.core.catalog import spec as kinds
from layerlab.core.catalog.spec import Param

NONE_TEXT = "None"

# Names Keras accepts for initializers etc.; offered as completions, any other text is left to Keras.
SUGGESTIONS = {
    "_initializer": ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
                     "lecun_normal", "zeros", "ones", "random_uniform", "random_normal", "truncated_normal",
                     "orthogonal", "identity", "variance_scaling"),
    "_regularizer": ("l1", "l2", "l1_l2", "orthogonal_regularizer"),
    "_constraint": ("max_norm", "min_max_norm", "non_neg", "unit_norm"),
    "padding": ("valid", "same", "causal"),
}


def allows_none(param: Param) -> bool:
    """Whether an empty value (Keras's default) is acceptable for `param`."""
    return param.nullable or param.default is None


def format_value(param: Param, value: Any) -> str:
    """The text a line editor shows for `value`."""
    if value is None:
        return ""
    if param.kind in (kinds.INTS, kinds.SHAPE):
        items = value if isinstance(value, (list, tuple)) else [value]
        return ", ".join(NONE_TEXT if v is None else str(v) for v in items)
    if param.kind == kinds.JSON or isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def parse_text(param: Param, text: str) -> Any:
    """Turn what was typed into a JSON value for `param`; raises ValueError saying what is wrong."""
    text = text.strip()
    if not text:
        return None
    if param.kind == kinds.INTS:
        items = [t for t in re.split(r"[\s,()\[\]]+", text) if t]
        try:
            values = [int(t) for t in items]
        except ValueError:
            raise ValueError(f"{param.name} takes whole numbers separated by commas, e.g. 3 or 3, 3") from None
        return values[0] if len(values) == 1 and not text.startswith(("[", "(")) else values
    if param.kind == kinds.SHAPE:
        items = [t for t in re.split(r"[\s,()\[\]]+", text) if t]
        dims: list[int | None] = []
        for t in items:
            if t.lower() in ("none", "?", "null"):
                dims.append(None)
                continue
            try:
                dims.append(int(t))
            except ValueError:
                raise ValueError(f"{param.name}: '{t}' is not a dimension (a whole number, or None)") from None
        return dims
    if param.kind == kinds.JSON or (param.accepts_config and text.startswith("{")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            hint = f'; text goes in double quotes: "{text}"' if re.fullmatch(r"[A-Za-z_][\w.\-]*", text) else ""
            raise ValueError(f"{param.name}: not valid JSON ({exc.msg} at column {exc.colno}){hint}") from None
    return text
