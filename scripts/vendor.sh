#!/bin/sh
# Vendor front-end assets from the npm registry into linli/static/vendor/ (run at build
# time, commit the result): the users' networks are often closed, so pages never load a CDN.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST="$ROOT/linli/static/vendor"
HTMX_VERSION="${HTMX_VERSION:-2}"
# Pinned: the hot-spot map's code and CSS are written against this release.
LEAFLET_VERSION="${LEAFLET_VERSION:-1.9.4}"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

mkdir -p "$DEST"
cd "$TMP"
TARBALL=$(npm pack --silent "htmx.org@$HTMX_VERSION" | tail -n 1)
tar -xzf "$TARBALL"
cp package/dist/htmx.min.js "$DEST/htmx.min.js"
VERSION=$(node -p "require('./package/package.json').version")
echo "htmx.org $VERSION -> $DEST/htmx.min.js"
rm -rf package "$TARBALL"

# Leaflet: the script, its stylesheet and the images the stylesheet refers to (relative
# url(images/…), so they sit next to it), plus the licence.
TARBALL=$(npm pack --silent "leaflet@$LEAFLET_VERSION" | tail -n 1)
tar -xzf "$TARBALL"
rm -rf "$DEST/leaflet"
mkdir -p "$DEST/leaflet/images"
cp package/dist/leaflet.js package/dist/leaflet.css "$DEST/leaflet/"
cp package/dist/images/*.png "$DEST/leaflet/images/"
cp package/LICENSE "$DEST/leaflet/LICENSE"
VERSION=$(node -p "require('./package/package.json').version")
echo "$VERSION" > "$DEST/leaflet/VERSION"
echo "leaflet $VERSION -> $DEST/leaflet/"

# qrcode-generator (MIT, Kazuhiko Arase): attendees' check-in tickets and shop codes are
# drawn as QR codes in the browser, no server-side image library needed.
cd "$TMP"
TARBALL=$(npm pack --silent "qrcode-generator@${QRCODE_VERSION:-1.5.2}" | tail -n 1)
tar -xzf "$TARBALL"
mkdir -p "$DEST/qrcode-generator"
cp package/qrcode.js "$DEST/qrcode-generator/qrcode.js"
echo "qrcode-generator -> $DEST/qrcode-generator/qrcode.js"
rm -rf package "$TARBALL"
