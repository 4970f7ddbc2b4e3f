"""Packaging: the PyInstaller spec and entry point, desktop files, icons, the resource locator and the wheel.

The full PyInstaller build is a script (packaging/build.sh), not a test: these
checks are the fast part of it. Where a freedesktop tool is installed
(desktop-file-validate, appstreamcli, update-mime-database) its verdict is used too.
"""

import ast
import configparser
import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

import layerlab
from layerlab import resources
from layerlab.core import project as projects

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "LayerLab.spec"
ENTRY = PACKAGING / "layerlab_entry.py"
DESKTOP = PACKAGING / "layerlab.desktop"
METAINFO = PACKAGING / "io.github.layerlab.LayerLab.metainfo.xml"
MIME_XML = PACKAGING / "layerlab-mime.xml"
MIME_TYPE = "application/x-layerlab"
APP_ID = "io.github.layerlab.LayerLab"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
MIME_NS = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}


@pytest.fixture(autouse=True)
def _fresh_locator():
    resources.forget()
    yield
    resources.forget()


def _load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the PyInstaller spec ------------------------------------------------------------------------------
def _spec_calls() -> dict[str, ast.Call]:
    tree = ast.parse(SPEC.read_text(), filename=str(SPEC))
    calls = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            calls.setdefault(node.func.id, node)
    return calls


def test_spec_is_python_with_the_four_build_steps():
    calls = _spec_calls()
    assert {"Analysis", "PYZ", "EXE", "COLLECT"} <= set(calls)
    source = SPEC.read_text()
    assert 'ENTRY = ROOT / "packaging" / "layerlab_entry.py"' in source
    assert 'RESOURCES = ROOT / "resources"' in source
    assert ENTRY.is_file() and (ROOT / "resources" / "examples").is_dir() and (ROOT / "resources" / "icons").is_dir()
    collect_name = next(k.value for k in calls["COLLECT"].keywords if k.arg == "name")
    assert isinstance(collect_name, ast.Name) and collect_name.id == "NAME"
    assert 'NAME = "LayerLab"' in source  # dist/LayerLab/LayerLab


class _Target:
    """Records what the spec hands to one of PyInstaller's build steps (what PyInstaller itself would build)."""

    def __init__(self, kind, *args, **kwargs):
        self.kind, self.args, self.kwargs = kind, args, kwargs
        self.name = f"/nonexistent-dist/{kwargs.get('name', kind)}"  # where COLLECT would have built the app
        self.datas = list(kwargs.get("datas", []))
        self.binaries = [("tensorboard_data_server/bin/server", "/x", "BINARY"), ("libQt6Core.so.6", "/y", "BINARY")]
        self.pure, self.scripts = [], []


def _run_spec() -> dict:
    """Execute the spec as PyInstaller does (real PyInstaller helpers), recording the build steps."""
    pytest.importorskip("PyInstaller")
    steps: dict[str, _Target] = {}

    def step(kind):
        def make(*args, **kwargs):
            steps[kind] = _Target(kind, *args, **kwargs)
            if kind == "Analysis":  # what collection would add: kept or dropped by the spec's filter
                steps[kind].datas += [("tensorboard/webfiles.zip", "/z", "DATA"),
                                      ("tensorflow/include/a.h", "/h", "DATA"),
                                      ("layerlab/_resources/icons/app.svg", "/i", "DATA")]
            return steps[kind]
        return make

    namespace = {"SPECPATH": str(PACKAGING), "__file__": str(SPEC), "__name__": "__main__",
                 **{kind: step(kind) for kind in ("Analysis", "PYZ", "EXE", "COLLECT")}}
    exec(compile(SPEC.read_text(), str(SPEC), "exec"), namespace)  # noqa: S102 - the spec is our own file
    return {"steps": steps, "namespace": namespace}


def test_spec_inputs_resolve_with_pyinstaller():
    run = _run_spec()
    analysis = run["steps"]["Analysis"]
    scripts = analysis.args[0]
    assert [Path(s) for s in scripts] == [ENTRY]
    assert Path(analysis.kwargs["pathex"][0]) == ROOT
    assert analysis.kwargs["datas"] == [(str(ROOT / "resources"), "layerlab/_resources")]
    for source, _dest in analysis.kwargs["datas"]:
        assert Path(source).is_dir()
    hidden = set(analysis.kwargs["hiddenimports"])
    # the CLI imports these by name, so PyInstaller cannot see them without help
    for name in ("layerlab.commands.open", "layerlab.commands.train", "layerlab.commands.check",
                 "layerlab.commands.import_", "layerlab.gui.main_window", "layerlab.resources"):
        assert name in hidden
    kept = [d[0] for d in analysis.datas]
    assert "layerlab/_resources/icons/app.svg" in kept
    assert "tensorboard/webfiles.zip" not in kept and "tensorflow/include/a.h" not in kept
    assert [b[0] for b in analysis.binaries] == ["libQt6Core.so.6"]
    assert run["steps"]["EXE"].kwargs["name"] == "LayerLab" and run["steps"]["COLLECT"].kwargs["name"] == "LayerLab"


@pytest.mark.skipif(sys.platform != "linux" or shutil.which("strip") is None, reason="strips ELF libraries")
def test_spec_strips_tensorflow_libraries_which_still_load(tmp_path):
    """The spec's post-build step on a real extension module (a small one of scipy's) in a tensorflow folder."""
    from scipy._lib import _fpumode

    strip_tensorflow = _run_spec()["namespace"]["_strip_tensorflow"]
    lib = tmp_path / "tensorflow" / "python" / Path(_fpumode.__file__).name
    lib.parent.mkdir(parents=True)
    shutil.copy(_fpumode.__file__, lib)
    before = lib.stat().st_size
    assert b".symtab" in lib.read_bytes()
    strip_tensorflow(tmp_path / "tensorflow")
    assert lib.stat().st_size < before and b".symtab" not in lib.read_bytes()
    stripped = _load_module(lib, "_fpumode")  # the name its PyInit_ function has
    assert stripped.get_fpu_mode() == _fpumode.get_fpu_mode()


def _imported_modules(folder: Path) -> set[str]:
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_spec_excludes_nothing_layerlab_imports():
    excluded = _run_spec()["steps"]["Analysis"].kwargs["excludes"]
    used = _imported_modules(ROOT / "layerlab")
    clashes = sorted(u for u in used for e in excluded if u == e or u.startswith(e + "."))
    assert not clashes, f"the bundle would lack modules LayerLab imports: {clashes}"
    assert "PySide6.QtWebEngineCore" in excluded and "PySide6.QtQml" in excluded


def test_entry_point_imports_and_prints_the_version(capsys):
    entry = _load_module(ENTRY, "layerlab_entry")
    with pytest.raises(SystemExit) as exit_info:
        entry.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"layerlab {layerlab.__version__}"


def test_entry_point_as_a_program_stays_light():
    """Run as the bundle runs it: a script; `--version` answers without loading TensorFlow or Qt."""
    code = ("import runpy, sys\nentry, sys.argv = sys.argv[1], ['LayerLab', '--version']\n"
            "try:\n    runpy.run_path(entry, run_name='__main__')\n"
            "except SystemExit as e:\n    print('exit', e.code)\n"
            "print('heavy', sorted(m for m in ('tensorflow', 'keras', 'PySide6') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(ENTRY)], capture_output=True, text=True, timeout=120,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f"layerlab {layerlab.__version__}", "exit 0", "heavy []"]


def test_entry_point_runs_an_engine_when_the_editor_asks_for_one(monkeypatch):
    """A frozen editor starts engines as `LayerLab --layerlab-engine ROLE`: the entry point serves the role."""
    import json

    from layerlab.core.engine import process

    entry = _load_module(ENTRY, "layerlab_entry")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert process.engine_command("selftest") == [sys.executable, entry.ENGINE_FLAG, "selftest"]
    monkeypatch.delattr(sys, "frozen")
    code = ("import runpy, sys\nentry, sys.argv = sys.argv[1], ['LayerLab', '--layerlab-engine', 'selftest']\n"
            "runpy.run_path(entry, run_name='__main__')")
    proc = subprocess.Popen([sys.executable, "-c", code, str(ENTRY)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        proc.stdin.write(json.dumps({"v": 1, "id": 1, "op": "echo", "args": {"hello": "bundle"}}) + "\n")
        proc.stdin.flush()
        messages = []
        while not any(m.get("id") == 1 and "ok" in m for m in messages):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            messages.append(json.loads(line))
        proc.stdin.write(json.dumps({"v": 1, "op": "shutdown", "args": {}}) + "\n")
        proc.stdin.flush()
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert messages[0]["event"] == "hello" and messages[0]["data"]["role"] == "selftest"
    assert messages[-1]["result"] == {"hello": "bundle"}


# -- desktop entry, AppStream, MIME ---------------------------------------------------------------------
def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(DESKTOP.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def test_desktop_entry_has_the_required_keys():
    entry = _desktop_entry()
    assert entry["Type"] == "Application" and entry["Name"] == "LayerLab"
    assert entry["Exec"] == "layerlab open %f"
    assert entry["Icon"] == "layerlab"
    assert entry["Terminal"] == "false"
    assert entry["MimeType"].split(";") == [MIME_TYPE, ""]
    assert entry["Categories"] == "Development;Science;Education;"
    scripts = {ep.name for ep in importlib.metadata.distribution("layerlab").entry_points
               if ep.group == "console_scripts"}
    assert entry["Exec"].split()[0] in scripts and entry["TryExec"] in scripts


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils is not installed")
def test_desktop_entry_validates():
    out = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    errors = [line for line in out.stdout.splitlines() if ": error:" in line or ": warning:" in line]
    assert out.returncode == 0 and not errors, out.stdout


def test_metainfo_names_the_app_its_desktop_entry_and_file_type():
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.find("launchable").get("type") == "desktop-id"
    assert root.findtext("provides/mediatype") == MIME_TYPE
    assert root.findtext("provides/binary") == "layerlab"
    assert root.find("releases/release").get("version") == layerlab.__version__
    assert root.findtext("metadata_license") and root.findtext("project_license") == "MIT"
    assert [c.text for c in root.findall("categories/category")] == \
        [c for c in _desktop_entry()["Categories"].split(";") if c]


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream is not installed")
def test_metainfo_validates():
    out = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def _mime_type() -> ET.Element:
    root = ET.parse(MIME_XML).getroot()
    types = root.findall("m:mime-type", MIME_NS)
    assert [t.get("type") for t in types] == [MIME_TYPE]
    return types[0]


def test_mime_definition_has_the_glob_and_icon():
    mime = _mime_type()
    assert [g.get("pattern") for g in mime.findall("m:glob", MIME_NS)] == ["*.layerlab"]
    assert mime.find("m:icon", MIME_NS).get("name") == "application-x-layerlab"
    assert mime.find("m:sub-class-of", MIME_NS).get("type") == "application/json"
    assert (PACKAGING / "icons" / "application-x-layerlab.svg").is_file()


def test_mime_magic_matches_what_layerlab_writes(tmp_path):
    match = _mime_type().find("m:magic/m:match", MIME_NS)
    assert match.get("type") == "string"
    start, end = (int(v) for v in match.get("offset").split(":"))
    needle = match.get("value").encode()

    def sniffed(path: Path) -> bool:
        return needle in path.read_bytes()[start: end + len(needle)]

    saved = tmp_path / "saved.layerlab"
    projects.save(projects.load(ROOT / "resources" / "examples" / "wide_deep.layerlab"), saved)
    for path in [saved, *sorted((ROOT / "resources" / "examples").glob("*.layerlab"))]:
        assert sniffed(path), path
    (tmp_path / "plain.json").write_text('{"format": "keras", "layerlab": 1}')
    assert not sniffed(tmp_path / "plain.json")


# -- icons ------------------------------------------------------------------------------------------------
ICON_FILES = [("apps", "layerlab"), ("mimetypes", "application-x-layerlab")]


@pytest.mark.parametrize(("context", "name"), ICON_FILES)
def test_every_icon_size_exists_at_its_size(qapp, context, name):
    from PySide6.QtGui import QImage

    for size in ICON_SIZES:
        path = PACKAGING / "icons" / "hicolor" / f"{size}x{size}" / context / f"{name}.png"
        image = QImage(str(path))
        assert not image.isNull(), f"{path} is missing or not a PNG"
        assert (image.width(), image.height()) == (size, size), path
        assert image.hasAlphaChannel()
        center = image.pixelColor(size // 2, size // 2)
        assert center.alpha() == 255, f"{path}: the middle of the icon is not drawn"


@pytest.mark.parametrize("size", [16, 48, 256])
def test_icon_pngs_are_rendered_from_the_current_drawings(qapp, size):
    """The PNGs come from the SVGs: a changed drawing needs `python packaging/render_icons.py`."""
    from PySide6.QtGui import QImage

    render = _load_module(PACKAGING / "render_icons.py", "render_icons")
    for context, name, svg in render.ICONS:
        fresh = render.render_png(svg, size).convertToFormat(QImage.Format.Format_ARGB32)
        stored = QImage(str(PACKAGING / "icons" / "hicolor" / f"{size}x{size}" / context / f"{name}.png"))
        stored = stored.convertToFormat(QImage.Format.Format_ARGB32)
        diff = sum(abs(a - b) for a, b in zip(fresh.constBits().tobytes(), stored.constBits().tobytes()))
        mean = diff / (size * size * 4)
        assert mean < 2.0, f"{name} at {size}px differs from {svg.name} (mean {mean:.1f}): run render_icons.py"


# -- the desktop installer -------------------------------------------------------------------------------
def _install_desktop(prefix: Path, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=os.environ.get("PATH", ""))
    return subprocess.run(["bash", str(PACKAGING / "install-desktop.sh"), "--prefix", str(prefix), *extra],
                          capture_output=True, text=True, timeout=120, env=env)


def test_install_desktop_copies_entry_icons_and_mime_type(tmp_path):
    out = _install_desktop(tmp_path, "--exec", "/opt/LayerLab/LayerLab")
    assert out.returncode == 0, out.stderr
    share = tmp_path / "share"
    desktop = (share / "applications" / "layerlab.desktop").read_text()
    assert "Exec=/opt/LayerLab/LayerLab open %f" in desktop and "TryExec=/opt/LayerLab/LayerLab" in desktop
    assert (share / "mime" / "packages" / "layerlab.xml").read_text() == MIME_XML.read_text()
    assert (share / "metainfo" / METAINFO.name).is_file()
    for size in ICON_SIZES:
        assert (share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "layerlab.png").is_file()
        assert (share / "icons" / "hicolor" / f"{size}x{size}" / "mimetypes" / "application-x-layerlab.png").is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / "layerlab.svg").read_bytes() == \
        (ROOT / "resources" / "icons" / "app.svg").read_bytes()

    out = _install_desktop(tmp_path, "--uninstall")
    assert out.returncode == 0, out.stderr
    assert not (share / "applications" / "layerlab.desktop").exists()
    assert not list((share / "icons").rglob("layerlab.png"))


def test_install_desktop_refuses_an_exec_path_it_cannot_quote(tmp_path):
    out = _install_desktop(tmp_path, "--exec", "/my apps/LayerLab")
    assert out.returncode == 2 and "--exec" in out.stderr
    assert not (tmp_path / "share" / "applications" / "layerlab.desktop").exists()


@pytest.mark.skipif(shutil.which("update-mime-database") is None, reason="shared-mime-info is not installed")
def test_installed_mime_type_is_what_qt_sees(tmp_path):
    """After the install a .layerlab file (and a project without its extension) is application/x-layerlab."""
    assert _install_desktop(tmp_path).returncode == 0
    example = ROOT / "resources" / "examples" / "digits_mlp.layerlab"
    shutil.copy(example, tmp_path / "model.layerlab")
    shutil.copy(example, tmp_path / "model")
    code = ("import sys\nfrom PySide6.QtCore import QMimeDatabase\ndb = QMimeDatabase()\n"
            "print(' '.join(db.mimeTypeForFile(p).name() for p in sys.argv[1:]))")
    files = [str(tmp_path / "model.layerlab"), str(tmp_path / "model")]

    def detect(data_home: Path) -> list[str]:
        env = dict(os.environ, XDG_DATA_HOME=str(data_home), XDG_DATA_DIRS="/usr/local/share:/usr/share")
        out = subprocess.run([sys.executable, "-c", code, *files], capture_output=True, text=True, env=env, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout.split()

    assert detect(tmp_path / "share") == [MIME_TYPE, MIME_TYPE]
    assert MIME_TYPE not in detect(tmp_path / "nothing-installed")


# -- the resource locator ----------------------------------------------------------------------------------
def test_resources_are_found_in_the_checkout():
    examples = resources.resource_path("examples")
    assert examples == ROOT / "resources" / "examples"
    assert {p.stem for p in examples.glob("*.layerlab")} >= {"digits_mlp", "wide_deep", "binary_csv"}
    assert (examples / "data" / "breast_cancer.csv").is_file()
    assert resources.resource_path("icons", "app.svg").is_file()


def test_gui_uses_the_locator(qapp):
    from layerlab.gui import files, icons

    assert files.EXAMPLES_DIR == resources.resource_path("examples")
    assert icons.ICON_DIR == resources.resource_path("icons")
    assert files.example_paths()
    sizes = icons.app_icon().availableSizes()
    assert sizes and not icons.app_icon().pixmap(sizes[-1]).toImage().isNull()


def test_no_module_builds_resource_paths_itself():
    offenders = []
    for path in (ROOT / "layerlab").rglob("*.py"):
        if path.name == "resources.py" and path.parent.name == "layerlab":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ("resources", "_resources"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"use layerlab.resources.resource_path instead: {offenders}"


def test_a_pyinstaller_bundle_is_looked_in_first(tmp_path, monkeypatch):
    bundled = tmp_path / "layerlab" / "_resources"
    (bundled / "icons").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_path("icons") == bundled / "icons"


def test_the_environment_variable_wins_and_a_wrong_one_is_named(tmp_path, monkeypatch):
    (tmp_path / "icons").mkdir()
    monkeypatch.setenv(resources.ENV_VAR, str(tmp_path))
    assert resources.resource_path("examples") == tmp_path / "examples"
    resources.forget()
    missing = tmp_path / "nowhere"
    monkeypatch.setenv(resources.ENV_VAR, str(missing))
    with pytest.raises(resources.ResourcesNotFoundError) as info:
        resources.resource_path("icons")
    assert str(missing) in str(info.value) and info.value.exit_code == 2


def test_missing_resources_are_one_line_from_the_cli(tmp_path):
    env = dict(os.environ, LAYERLAB_RESOURCES=str(tmp_path / "nowhere"), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-m", "layerlab.cli", "open", "--screenshot", str(tmp_path / "s.png")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "resources (icons, examples) are missing" in out.stderr


# -- the wheel ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the sources (the checkout's build/ folder is left alone)."""
    pytest.importorskip("setuptools")
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "layerlab", src / "layerlab", ignore=ignore)
    shutil.copytree(ROOT / "resources", src / "resources", ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                           str(src), "-w", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("layerlab-*.whl")
    return built


def test_wheel_holds_every_module_example_and_icon(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (ROOT / "resources").rglob("*"):
        if path.is_file():
            assert f"layerlab/_resources/{path.relative_to(ROOT / 'resources').as_posix()}" in names, path
    for path in (ROOT / "layerlab").rglob("*.py"):
        assert path.relative_to(ROOT).as_posix() in names, f"{path} is not in the wheel (a folder without __init__.py?)"
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert re.search(r"^layerlab = layerlab\.cli:main$", entry_points, re.M)


def test_installed_wheel_finds_its_own_resources(wheel, tmp_path):
    """A non-editable install: layerlab/_resources inside site-packages, found from anywhere."""
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                           "--target", str(site), str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    code = ("import layerlab, layerlab.resources as r\n"
            "print(layerlab.__file__)\nprint(r.resource_path('examples', 'digits_mlp.layerlab'))")
    # -S: no site-packages, so neither this checkout's editable install nor anything else is found
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         env=dict(os.environ, PYTHONPATH=str(site)), timeout=60)
    assert out.returncode == 0, out.stderr
    module_file, example = (Path(line) for line in out.stdout.splitlines())
    assert module_file.is_relative_to(site)
    assert example == site / "layerlab" / "_resources" / "examples" / "digits_mlp.layerlab" and example.is_file()
