"""The Training panel's "Run on": this computer, or a Ray cluster at an address, with a connection check.

Where runs go is a matter of the machine, not of the model: the choice, the
address and the CPUs/GPUs per run live in the application's settings
(QSettings keys under ``runOn/``), not in the project, so a project opened
on another computer trains there as that computer is set up. The connection
check runs in a short-lived process (:class:`~layerlab.gui.sweep.process.ClusterCheck`):
Ray is never imported by the editor, and Train on a cluster goes through a
local relay process (:mod:`layerlab.core.cluster.relay`).
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from layerlab.gui.sweep.process import ClusterCheck
from layerlab.gui.training.fields import hint

LOCAL, CLUSTER = "This computer", "Ray cluster"
KEY_KIND, KEY_ADDRESS, KEY_CPUS, KEY_GPUS = "runOn/kind", "runOn/address", "runOn/cpus", "runOn/gpus"


class RunTargetBox(QGroupBox):
    """Signals: checked(ok, text) once a connection check has answered."""

    checked = Signal(bool, str)

    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__("Run on", parent)
        self.setObjectName("RunTargetBox")
        self.settings = settings
        form = QFormLayout(self)
        self.kind = QComboBox()
        self.kind.addItems([LOCAL, CLUSTER])
        self.kind.setToolTip("Where Train runs: a worker process on this computer, or a Ray cluster")
        self.address = QLineEdit()
        self.address.setPlaceholderText("HOST:6379, ray://HOST:10001 or auto")
        self.address.setToolTip("Any address ray.init accepts. A cluster with token authentication reads the "
                                "token from RAY_AUTH_TOKEN or ~/.ray/auth_token, as Ray's own tools do")
        self.cpus = _amount(1.0, "CPUs each run asks of the cluster")
        self.gpus = _amount(0.0, "GPUs each run asks of the cluster")
        self.check_button = QPushButton("Check connection")
        self.check_button.setToolTip("Ask the cluster what it has (nodes, CPUs, GPUs)")
        self.status = QLabel("")
        self.status.setObjectName("runTargetStatus")
        self.status.setWordWrap(True)
        amounts = QHBoxLayout()
        amounts.addWidget(QLabel("CPUs"))
        amounts.addWidget(self.cpus)
        amounts.addWidget(QLabel("GPUs"))
        amounts.addWidget(self.gpus)
        form.addRow("Run on", self.kind)
        form.addRow("Address", self.address)
        form.addRow("Each run", amounts)
        form.addRow("", self.check_button)
        form.addRow(self.status)
        form.addRow(hint("Kept on this computer, not in the project: another computer trains it where it "
                         "is set to."))
        self.check = ClusterCheck(self)
        self.check.done.connect(self._on_checked)
        self._load()
        self.kind.currentTextChanged.connect(self._on_kind)
        self.address.editingFinished.connect(self._save)
        self.cpus.valueChanged.connect(lambda _v: self._save())
        self.gpus.valueChanged.connect(lambda _v: self._save())
        self.check_button.clicked.connect(self.check_connection)
        self._on_kind(self.kind.currentText())

    # -- the choice --------------------------------------------------------------------------------------
    @property
    def on_cluster(self) -> bool:
        return self.kind.currentText() == CLUSTER

    def choose(self, cluster: bool, address: str | None = None) -> None:
        if address is not None:
            self.address.setText(address)
        self.kind.setCurrentText(CLUSTER if cluster else LOCAL)
        self._save()

    def executor(self):
        """None for this computer (the editor's warm local workers); else the Ray cluster's executor."""
        if not self.on_cluster:
            return None
        from layerlab.core.cluster.relay import RelayExecutor

        return RelayExecutor(self.address.text().strip(), cpus=self.cpus.value(), gpus=self.gpus.value())

    def problem(self) -> str | None:
        """Why Train cannot run where chosen (no address), or None."""
        if self.on_cluster and not self.address.text().strip():
            return "Enter the Ray cluster's address under Training › Run on, or choose This computer."
        return None

    # -- the check ---------------------------------------------------------------------------------------
    def check_connection(self) -> None:
        address = self.address.text().strip()
        if not address:
            self._on_checked(False, "enter the cluster's address first")
            return
        self._save()
        self.check_button.setEnabled(False)
        self.status.setProperty("role", "")
        self.status.setText(f"Connecting to {address}…")
        self.check.start(address)

    def _on_checked(self, ok: bool, text: str) -> None:
        self.check_button.setEnabled(self.on_cluster)
        self.status.setProperty("role", "" if ok else "error")
        self.status.setText(f"Connected: {text}" if ok else f"Cannot use the cluster: {text}")
        self.status.style().polish(self.status)
        self.checked.emit(ok, text)

    # -- settings ----------------------------------------------------------------------------------------
    def _on_kind(self, text: str) -> None:
        cluster = text == CLUSTER
        for widget in (self.address, self.cpus, self.gpus):
            widget.setEnabled(cluster)
        self.check_button.setEnabled(cluster and not self.check.running)
        self.status.setProperty("role", "")
        self.status.setText("" if cluster else "Runs train in a worker process on this computer.")
        self._save()

    def _load(self) -> None:
        s = self.settings
        self.address.setText(str(s.value(KEY_ADDRESS, "") or ""))
        self.cpus.setValue(_float(s.value(KEY_CPUS), 1.0))
        self.gpus.setValue(_float(s.value(KEY_GPUS), 0.0))
        self.kind.setCurrentText(CLUSTER if s.value(KEY_KIND, "local") == "ray" else LOCAL)

    def _save(self) -> None:
        s = self.settings
        s.setValue(KEY_KIND, "ray" if self.on_cluster else "local")
        s.setValue(KEY_ADDRESS, self.address.text().strip())
        s.setValue(KEY_CPUS, self.cpus.value())
        s.setValue(KEY_GPUS, self.gpus.value())


def _amount(value: float, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(0.0, 1024.0)
    box.setDecimals(1)
    box.setSingleStep(1.0)
    box.setValue(value)
    box.setToolTip(tip)
    return box


def _float(value, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default
