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

# Source maps are not shipped: drop the references to them, or the static-files manifest
# (collectstatic in production) fails looking for the missing .map files.
strip_source_maps() { sed -i '/sourceMappingURL=/d' "$@"; }

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
strip_source_maps "$DEST/leaflet/leaflet.js"
VERSION=$(node -p "require('./package/package.json').version")
echo "$VERSION" > "$DEST/leaflet/VERSION"
echo "leaflet $VERSION -> $DEST/leaflet/"

# Swagger UI for /api/v1/docs: the bundle, its stylesheet and the licence (no CDN).
SWAGGER_UI_VERSION="${SWAGGER_UI_VERSION:-5}"
TARBALL=$(npm pack --silent "swagger-ui-dist@$SWAGGER_UI_VERSION" | tail -n 1)
tar -xzf "$TARBALL"
rm -rf "$DEST/swagger-ui"
mkdir -p "$DEST/swagger-ui"
cp package/swagger-ui-bundle.js package/swagger-ui.css package/LICENSE "$DEST/swagger-ui/"
strip_source_maps "$DEST/swagger-ui/swagger-ui-bundle.js" "$DEST/swagger-ui/swagger-ui.css"
VERSION=$(node -p "require('./package/package.json').version")
echo "$VERSION" > "$DEST/swagger-ui/VERSION"
echo "swagger-ui-dist $VERSION -> $DEST/swagger-ui/"
rm -rf package "$TARBALL"
# qrcode-generator (MIT, Kazuhiko Arase): attendees' check-in tickets and shop codes are
# drawn as QR codes in the browser, no server-side image library needed.
cd "$TMP"
TARBALL=$(npm pack --silent "qrcode-generator@${QRCODE_VERSION:-1.5.2}" | tail -n 1)
tar -xzf "$TARBALL"
mkdir -p "$DEST/qrcode-generator"
cp package/qrcode.js "$DEST/qrcode-generator/qrcode.js"
echo "qrcode-generator -> $DEST/qrcode-generator/qrcode.js"
rm -rf package "$TARBALL"
