#!/usr/bin/env bash
# Add LayerLab to the application menu and make double-clicking a .layerlab file open it (Linux).
#
# Usage: install-desktop.sh [--user | --system | --prefix DIR] [--exec COMMAND] [--uninstall]
#
#   --user          install for you only, into ${XDG_DATA_HOME:-~/.local/share} (the default)
#   --system        install for everyone, into /usr/local/share (needs root)
#   --prefix DIR    install into DIR/share (packagers, tests)
#   --exec COMMAND  the program the menu entry runs (default: `layerlab` as found on PATH, or
#                   the bundle beside this script when it is run from dist/LayerLab/desktop/)
#   --uninstall     remove what an install put there
#
# It copies the .desktop entry, the AppStream metainfo, the icons (hicolor sizes and
# SVG) and the shared-mime-info definition, then refreshes the MIME, desktop and icon
# caches with update-mime-database, update-desktop-database and gtk-update-icon-cache
# when they are installed. Run it from a checkout (packaging/) or from a built bundle.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
EXEC=""
UNINSTALL=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --user) DATA="${XDG_DATA_HOME:-$HOME/.local/share}"; shift ;;
    --system) DATA="/usr/local/share"; shift ;;
    --prefix) DATA="${2:?--prefix needs a folder}/share"; shift 2 ;;
    --exec) EXEC="${2:?--exec needs a command}"; shift 2 ;;
    --uninstall) UNINSTALL=1; shift ;;
    -h|--help) sed -n '2,/^set /s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "install-desktop.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

# The application icon's drawing: beside this script in a bundle, in resources/ in a checkout.
if [[ -f "$HERE/icons/layerlab.svg" ]]; then
  APP_SVG="$HERE/icons/layerlab.svg"
else
  APP_SVG="$HERE/../resources/icons/app.svg"
fi
for needed in "$HERE/layerlab.desktop" "$HERE/layerlab-mime.xml" "$HERE/io.github.layerlab.LayerLab.metainfo.xml" \
              "$HERE/icons/hicolor" "$HERE/icons/application-x-layerlab.svg" "$APP_SVG"; do
  [[ -e "$needed" ]] || { echo "install-desktop.sh: $needed is missing; run me from packaging/ or a bundle" >&2; exit 2; }
done

ICONS="$DATA/icons/hicolor"
DESKTOP_FILE="$DATA/applications/layerlab.desktop"
MIME_FILE="$DATA/mime/packages/layerlab.xml"
METAINFO_FILE="$DATA/metainfo/io.github.layerlab.LayerLab.metainfo.xml"

refresh_caches() {
  if command -v update-mime-database >/dev/null; then update-mime-database "$DATA/mime"; fi
  if command -v update-desktop-database >/dev/null; then update-desktop-database -q "$DATA/applications"; fi
  if command -v gtk-update-icon-cache >/dev/null && [[ -d "$ICONS" ]]; then
    gtk-update-icon-cache -q -t -f "$ICONS" || true  # a stale icon cache only delays the icon
  fi
}

if [[ $UNINSTALL -eq 1 ]]; then
  rm -f "$DESKTOP_FILE" "$MIME_FILE" "$METAINFO_FILE" "$ICONS"/*/apps/layerlab.png "$ICONS"/*/mimetypes/application-x-layerlab.png \
        "$ICONS/scalable/apps/layerlab.svg" "$ICONS/scalable/mimetypes/application-x-layerlab.svg"
  mkdir -p "$DATA/mime/packages" "$DATA/applications"
  refresh_caches
  echo "install-desktop.sh: removed LayerLab's menu entry, icons and file type from $DATA"
  exit 0
fi

if [[ -z "$EXEC" ]]; then
  if [[ -x "$HERE/../LayerLab" && -d "$HERE/../_internal" ]]; then
    EXEC="$(cd "$HERE/.." && pwd)/LayerLab"  # run from a bundle: point at it
  elif command -v layerlab >/dev/null; then
    EXEC="layerlab"
  else
    EXEC="layerlab"
    echo "install-desktop.sh: warning: 'layerlab' is not on PATH; the menu entry will not show until it is" \
         "(or run again with --exec /full/path/to/layerlab)" >&2
  fi
fi
if [[ ! "$EXEC" =~ ^[A-Za-z0-9_./+-]+$ ]]; then  # it goes unquoted into Exec= (and through sed)
  echo "install-desktop.sh: --exec '$EXEC': use a path of letters, digits and ._/+- only (no spaces)" >&2; exit 2
fi

mkdir -p "$DATA/applications" "$DATA/mime/packages" "$DATA/metainfo" "$ICONS/scalable/apps" "$ICONS/scalable/mimetypes"
sed -e "s|^Exec=layerlab |Exec=$EXEC |" -e "s|^TryExec=layerlab$|TryExec=$EXEC|" "$HERE/layerlab.desktop" > "$DESKTOP_FILE"
chmod 644 "$DESKTOP_FILE"
install -m 644 "$HERE/layerlab-mime.xml" "$MIME_FILE"
install -m 644 "$HERE/io.github.layerlab.LayerLab.metainfo.xml" "$METAINFO_FILE"
for png in "$HERE"/icons/hicolor/*/*/*.png; do
  rel="${png#"$HERE/icons/hicolor/"}"
  install -D -m 644 "$png" "$ICONS/$rel"
done
install -m 644 "$APP_SVG" "$ICONS/scalable/apps/layerlab.svg"
install -m 644 "$HERE/icons/application-x-layerlab.svg" "$ICONS/scalable/mimetypes/application-x-layerlab.svg"
refresh_caches
echo "install-desktop.sh: installed LayerLab (running '$EXEC') into $DATA"
