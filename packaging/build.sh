#!/usr/bin/env bash
# Build the one-folder Linux app dist/LayerLab/ (run it: dist/LayerLab/LayerLab).
#
# Usage: packaging/build.sh [--python PYTHON] [--skip-install]
#
#   --python PYTHON   build with this interpreter; it must have LayerLab's dependencies
#                     (pip install '.[packaging]' gives them and PyInstaller). Default:
#                     a fresh virtual environment in build/bundle-venv, made with python3.
#   --skip-install    do not pip install into that environment (it is ready).
#
# The bundle takes LayerLab's code and resources from this checkout. It also gets the
# desktop files (dist/LayerLab/desktop/) so that `dist/LayerLab/desktop/install-desktop.sh
# --user` adds it to the application menu. The build takes a few minutes (2.5 on two
# cores, most of it PyInstaller going through TensorFlow) and about 3.5 GB of disk.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON=""
INSTALL=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --python) PYTHON="${2:?--python needs an interpreter}"; shift 2 ;;
    --skip-install) INSTALL=0; shift ;;
    -h|--help) sed -n '2,/^set /s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cd "$ROOT"
if [[ -z "$PYTHON" ]]; then
  VENV="$ROOT/build/bundle-venv"
  if [[ ! -x "$VENV/bin/python" ]]; then
    echo "build.sh: creating $VENV"
    python3 -m venv "$VENV"
  fi
  PYTHON="$VENV/bin/python"
fi
if [[ $INSTALL -eq 1 ]]; then
  echo "build.sh: installing LayerLab's dependencies and PyInstaller into $("$PYTHON" -c 'import sys; print(sys.prefix)')"
  "$PYTHON" -m pip install --quiet "$ROOT[packaging]"
fi
"$PYTHON" -c "import PyInstaller" 2>/dev/null || {
  echo "build.sh: PyInstaller is missing for $PYTHON (pip install '.[packaging]')" >&2; exit 2; }

echo "build.sh: running PyInstaller (this takes a while)"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" "$ROOT/packaging/LayerLab.spec"

APP="$ROOT/dist/LayerLab"
# The desktop integration travels with the bundle; its installer points the menu entry at it.
DESKTOP="$APP/desktop"
rm -rf "$DESKTOP"
mkdir -p "$DESKTOP/icons"
cp "$ROOT/packaging/layerlab.desktop" "$ROOT/packaging/layerlab-mime.xml" \
   "$ROOT/packaging/io.github.layerlab.LayerLab.metainfo.xml" "$ROOT/packaging/install-desktop.sh" "$DESKTOP/"
cp -r "$ROOT/packaging/icons/hicolor" "$DESKTOP/icons/"
cp "$ROOT/packaging/icons/application-x-layerlab.svg" "$DESKTOP/icons/"
cp "$ROOT/resources/icons/app.svg" "$DESKTOP/icons/layerlab.svg"

echo "build.sh: checking that the bundle starts"
"$APP/LayerLab" --version
echo "build.sh: built $APP ($(du -sh "$APP" | cut -f1))"
