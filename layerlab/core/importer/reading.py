"""Getting a model's config, training config and weights out of a .h5 or .keras file, without running anything.

HDF5 files are read with h5py (attributes and arrays only); .keras archives with
zipfile and json. Keras itself is never asked to load the file, so nothing in it
(Lambda bytecode, custom classes, pickles) is ever executed or deserialized.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layerlab.core.importer.errors import ModelFileError
from layerlab.core.importer.keras_names import LAYERS

MAX_CONFIG_BYTES = 256 * 1024 * 1024  # a config larger than this is not a model description
LEGACY = "legacy"  # weights under model_weights/<layer>/ with a weight_names attribute (.h5)
KERAS3 = "keras3"  # weights under layers/<class>/vars/<i> (model.weights.h5 inside .keras)


@dataclass
class ModelFile:
    """What a model file holds, parsed but not interpreted."""

    path: Path
    format: str  # "h5" or "keras"
    model_config: dict  # {"class_name": ..., "config": {...}} as Keras wrote it
    training_config: dict | None = None  # {"optimizer", "loss", "metrics", "loss_weights"} as Keras wrote them
    keras_version: str | None = None
    weights_layout: str | None = None  # LEGACY, KERAS3, or None when the file holds no weights
    notes: list[str] = field(default_factory=list)

    @contextmanager
    def open_weights(self) -> Iterator[Any]:
        """Yield the h5py group that holds the weights (see weights_layout)."""
        import h5py

        if self.weights_layout is None:
            raise ModelFileError(f"{self.path}: holds no weights")
        try:
            if self.format == "h5":
                with h5py.File(self.path, "r") as f:
                    yield f["model_weights"]
            else:
                with _archive_weights(self.path) as weights, h5py.File(weights, "r") as f:
                    yield f
        except ModelFileError:
            raise
        except (OSError, KeyError, ValueError, RuntimeError) as exc:
            raise ModelFileError(f"{self.path}: its weights cannot be read ({_short(exc)}); "
                                 "the file may be truncated or corrupt") from None


def read_model_file(path: str | Path) -> ModelFile:
    """Parse a saved Keras model file. Raises ModelFileError when it is not one."""
    p = Path(path)
    if not p.exists():
        raise ModelFileError(f"{p}: no such file")
    if p.is_dir():
        if (p / "config.json").is_file():
            return _read_keras_dir(p)
        raise ModelFileError(f"{p}: is a folder, not a model file")
    try:
        with open(p, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise ModelFileError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    if not head:
        raise ModelFileError(f"{p}: the file is empty")
    if head.startswith(b"PK"):
        return _read_keras_zip(p)
    import h5py

    if head.startswith(b"\x89HDF") or h5py.is_hdf5(str(p)):
        return _read_h5(p)
    expected = {".h5": "an HDF5 model file", ".hdf5": "an HDF5 model file", ".keras": "a .keras archive"}
    what = expected.get(p.suffix.lower(), "a .keras archive or an HDF5 (.h5) model file")
    raise ModelFileError(f"{p}: not {what} (its first bytes are neither a zip nor an HDF5 signature); "
                         "the file may be corrupt or of another kind")


# -- HDF5 (legacy Keras format) ---------------------------------------------
def _read_h5(p: Path) -> ModelFile:
    import h5py

    try:
        with h5py.File(p, "r") as f:
            attrs = f.attrs
            raw = attrs.get("model_config")
            if raw is None:
                hint = (" (it looks like a weights-only file, written by save_weights)"
                        if "layer_names" in attrs or "model_weights" not in f else "")
                raise ModelFileError(f"{p}: holds no model architecture: no 'model_config' attribute{hint}. "
                                     "LayerLab imports whole saved models")
            config = _parse_config(raw, f"{p}: model_config")
            training, notes = None, []
            raw_training = attrs.get("training_config")
            if raw_training is not None:
                try:
                    training = _normalize_training(_json(raw_training, f"{p}: training_config"))
                except ModelFileError as exc:
                    notes.append(f"the training config was left out: {exc}")
            has_weights = isinstance(f.get("model_weights"), h5py.Group)
            version = _text(attrs.get("keras_version")) if "keras_version" in attrs else None
    except ModelFileError:
        raise
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as exc:
        raise ModelFileError(f"{p}: cannot be read as HDF5 ({_short(exc)}); the file may be truncated or corrupt") \
            from None
    if not has_weights:
        notes.append("the file holds no weights: layers start with fresh weights")
    return ModelFile(p, "h5", config, training, version, LEGACY if has_weights else None, notes)


# -- .keras (zip archive, or the same files in a folder) ---------------------
def _read_keras_zip(p: Path) -> ModelFile:
    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
            if "config.json" not in names:
                raise ModelFileError(f"{p}: not a Keras model archive (there is no config.json inside)")
            if zf.getinfo("config.json").file_size > MAX_CONFIG_BYTES:
                raise ModelFileError(f"{p}: config.json is implausibly large for a model description")
            raw_config = zf.read("config.json")
            raw_meta = zf.read("metadata.json") if "metadata.json" in names else None
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise ModelFileError(f"{p}: a damaged .keras archive ({_short(exc)}); the file may be truncated") from None
    return _keras_model_file(p, raw_config, raw_meta, names)


def _read_keras_dir(p: Path) -> ModelFile:
    meta = p / "metadata.json"
    try:
        raw_config = (p / "config.json").read_bytes()
        raw_meta = meta.read_bytes() if meta.is_file() else None
    except OSError as exc:
        raise ModelFileError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    return _keras_model_file(p, raw_config, raw_meta, {q.name for q in p.iterdir()})


def _keras_model_file(p: Path, raw_config: bytes, raw_meta: bytes | None, names: set[str]) -> ModelFile:
    top = _parse_config(raw_config, f"{p}: config.json")
    notes = []
    training = None
    if isinstance(top.get("compile_config"), dict):
        training = _normalize_training(top["compile_config"])
    version = None
    if raw_meta is not None:
        try:
            meta = json.loads(raw_meta)
            version = str(meta.get("keras_version")) if isinstance(meta, dict) else None
        except (ValueError, UnicodeDecodeError):
            notes.append("metadata.json is not valid JSON; ignored")
    layout = None
    if "model.weights.h5" in names:
        layout = KERAS3
    elif any(n.startswith("model.weights") for n in names):
        notes.append("the archive stores its weights in a form LayerLab does not read (npz or sharded); "
                     "layers start with fresh weights")
    else:
        notes.append("the archive holds no weights: layers start with fresh weights")
    return ModelFile(p, "keras", top, training, version, layout, notes)


@contextmanager
def _archive_weights(p: Path) -> Iterator[Path | io.BytesIO]:
    """model.weights.h5 of a .keras folder as it is; of an archive, streamed out to a temporary file.

    HDF5 reads a real file natively. From memory (BytesIO) each of its small reads is a Python call
    (some 8,000 to list an 800-layer model's tree), and the whole file sits in memory beside its arrays.
    Where no temporary file can be written, the member is read into memory after all.
    """
    name = "model.weights.h5"
    if p.is_dir():
        yield p / name
        return
    try:
        tmp = tempfile.TemporaryDirectory(prefix="layerlab-import-")
    except OSError:  # no temporary folder: keep it in memory
        tmp = None
    if tmp is not None:
        with tmp:
            copy = _extract(p, name, Path(tmp.name) / name)
            if copy is not None:
                yield copy
                return
    yield io.BytesIO(_zip_member(p, name))


def _extract(p: Path, name: str, target: Path) -> Path | None:
    """Stream member `name` of archive `p` to `target`; None when `target` cannot be written (no room)."""
    try:
        with zipfile.ZipFile(p) as zf, zf.open(name) as src:
            try:
                with open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except OSError:
                return None
    except KeyError:
        raise ModelFileError(f"{p}: the archive has no {name}") from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise ModelFileError(f"{p}: {name} inside the archive is damaged ({_short(exc)})") from None
    return target


def _zip_member(p: Path, name: str) -> bytes:
    try:
        with zipfile.ZipFile(p) as zf:
            return zf.read(name)
    except KeyError:
        raise ModelFileError(f"{p}: the archive has no {name}") from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise ModelFileError(f"{p}: {name} inside the archive is damaged ({_short(exc)})") from None


# -- parsing helpers -----------------------------------------------------------
def _text(raw: Any) -> str:
    if isinstance(raw, bytes):
        return raw.decode("utf-8")
    if hasattr(raw, "tobytes") and not isinstance(raw, str):  # numpy bytes scalar
        return raw.tobytes().decode("utf-8")
    return str(raw)


def _json(raw: Any, where: str) -> Any:
    try:
        return json.loads(_text(raw))
    except UnicodeDecodeError:
        raise ModelFileError(f"{where} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{where} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") \
            from None
    except RecursionError:
        raise ModelFileError(f"{where} is nested too deeply to be a model description") from None


def _parse_config(raw: Any, where: str) -> dict:
    """The model's config: a dict with a class_name and a config; anything else is not a model."""
    config = _json(raw, where)
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ModelFileError(f"{where} is not a Keras model configuration (no \"class_name\")")
    inner = config.get("config")
    if config["class_name"] in LAYERS:
        raise ModelFileError(f"{where} describes a single {config['class_name']} layer, not a model")
    if not isinstance(inner, (dict, list)):
        raise ModelFileError(f"{where} is not a Keras model configuration (no \"config\" object)")
    return config


def _normalize_training(raw: Any) -> dict | None:
    """Keras's compile config, under the same keys for .keras (compile_config) and .h5 (training_config)."""
    if not isinstance(raw, dict):
        return None
    out = {k: raw.get(k) for k in ("loss", "metrics", "loss_weights", "weighted_metrics")}
    out["optimizer"] = raw.get("optimizer", raw.get("optimizer_config"))
    return out


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
