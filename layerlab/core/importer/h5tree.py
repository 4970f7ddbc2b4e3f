"""A weights file's tree listed once, and its arrays read straight into NumPy.

Opening an h5py object costs about 100 µs in Python; a Keras archive of an
800-layer model holds some 2,700 of them (one group per layer, a `vars`
group in each, the arrays), and the import asked most of them several times
whether they were groups and whether anything below held arrays. Here one
HDF5 call (H5Lvisit) lists every name, the questions are answered from that
list (the type of a leaf is looked up once), and arrays are read with the
low-level API into an array of their own dtype, as np.asarray would give.

Only hard links count: a soft or external link is never taken for a weight
(an external link would read another file on the user's disk).
"""

from __future__ import annotations

import numpy as np

GROUP, DATASET, OTHER = "group", "dataset", "other"
_PLAIN_KINDS = "biuf"  # dtypes read directly; anything else (strings, compounds) through h5py's own reader


class H5Tree:
    """The names under an h5py group, by parent; `kind`, `has_arrays` and `read` answer from them."""

    def __init__(self, group) -> None:
        self._id = group.id
        self._children: dict[str, list[str]] = {"": []}
        names: list[str] = []
        self._id.links.visit(names.append)  # every link, depth first; hard links to groups are entered
        for name in names:
            name = name.decode("utf-8", "surrogateescape") if isinstance(name, bytes) else name
            parent, _, base = name.rpartition("/")
            self._children.setdefault(parent, []).append(base)
            self._children.setdefault(name, [])
        self._kind: dict[str, str] = {"": GROUP}
        self._arrays_below: dict[str, bool] = {}

    def children(self, path: str) -> list[str]:
        """The names directly in group `path` ("" is the top), sorted; [] for anything else."""
        path = path.strip("/")
        return sorted(self._children.get(path, ())) if self.kind(path) == GROUP else []

    def kind(self, path: str) -> str | None:
        """GROUP, DATASET, OTHER (a soft or external link, a named type), or None when there is no such name."""
        path = path.strip("/")
        if path in self._kind:
            return self._kind[path]
        if path not in self._children:
            return None
        if self._children[path]:  # only a group entered by a hard link lists names below it
            self._kind[path] = GROUP
            return GROUP
        kind = OTHER
        if self._hard(path):
            import h5py

            obj = h5py.h5o.open(self._id, path.encode("utf-8", "surrogateescape"))
            kind = GROUP if isinstance(obj, h5py.h5g.GroupID) else DATASET if isinstance(obj, h5py.h5d.DatasetID) \
                else OTHER
        self._kind[path] = kind
        return kind

    def has_arrays(self, path: str) -> bool:
        """Whether group `path` holds an array, at any depth."""
        path = path.strip("/")
        if path not in self._arrays_below:
            self._arrays_below[path] = False  # a cycle of hard links cannot recurse forever
            prefix = f"{path}/" if path else ""
            self._arrays_below[path] = any(
                self.kind(prefix + c) == DATASET or (self.kind(prefix + c) == GROUP and self.has_arrays(prefix + c))
                for c in self.children(path))
        return self._arrays_below[path]

    def read(self, path: str) -> np.ndarray:
        """The array at `path`. Raises ValueError when it is not one."""
        path = path.strip("/")
        kind = self._kind.get(path)
        if kind is None and path in self._children and not self._children[path] and self._hard(path):
            kind = DATASET  # a leaf reached by a hard link: opened as an array below, no need to look twice
        if kind != DATASET:
            raise ValueError(f"'{path}' is not an array")
        try:
            return read_array(self._id, path)
        except (KeyError, ValueError, TypeError) as exc:  # h5py's word for "that is a group" or a named type
            raise ValueError(f"'{path}' is not an array ({exc})") from None

    def _hard(self, path: str) -> bool:
        import h5py

        return self._id.links.get_info(path.encode("utf-8", "surrogateescape")).type == h5py.h5l.TYPE_HARD


def read_array(location_id, name: str) -> np.ndarray:
    """Dataset `name` under an h5py object id, as np.asarray(h5py dataset) would give it, without its overhead."""
    import h5py

    dataset = h5py.h5d.open(location_id, name.encode("utf-8", "surrogateescape"))
    dtype, shape = dataset.dtype, dataset.shape
    if shape is None or dtype.kind not in _PLAIN_KINDS or dtype.metadata or dtype.fields:
        return np.asarray(h5py.Dataset(dataset))  # empty (null) spaces, strings, enums: h5py knows them
    out = np.empty(shape, dtype=dtype)
    if out.size:
        dataset.read(h5py.h5s.ALL, h5py.h5s.ALL, out)
    return out
