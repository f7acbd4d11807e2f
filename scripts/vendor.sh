#!/bin/sh
# Vendor front-end assets from the npm registry into linli/static/vendor/ (run at build
# time, commit the result): the users' networks are often closed, so pages never load a CDN.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST="$ROOT/linli/static/vendor"
HTMX_VERSION="${HTMX_VERSION:-2}"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

mkdir -p "$DEST"
cd "$TMP"
TARBALL=$(npm pack --silent "htmx.org@$HTMX_VERSION" | tail -n 1)
tar -xzf "$TARBALL"
cp package/dist/htmx.min.js "$DEST/htmx.min.js"
VERSION=$(node -p "require('./package/package.json').version")
echo "htmx.org $VERSION -> $DEST/htmx.min.js"
