#!/usr/bin/env bash
# Render `airlock summary --format html` for INPUT and take a screenshot of it
# with headless Chromium (Debian: `apt-get install -y chromium`). Not part of
# the test suite: the suite checks the HTML's structure without a browser.
#
# Usage: scripts/html-screenshot.sh INPUT OUT.png [more airlock summary flags]
#   AIRLOCK=path/to/airlock   binary to use (default: target/release/airlock)
#   WIDTH=1400 HEIGHT=2600    window size
#
# Example, on a generated bundle:
#   cargo build --release
#   cargo run --release --example gen_bundle -- /tmp/bundle 3000
#   scripts/html-screenshot.sh /tmp/bundle/gitlabsos.gitlab01_20261120134410 /tmp/summary.png
set -euo pipefail
if [ $# -lt 2 ]; then
    sed -n '2,14p' "$0" >&2
    exit 2
fi
input=$1
out=$2
shift 2
bin=${AIRLOCK:-target/release/airlock}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "chromium not found: apt-get install -y chromium" >&2
    exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" summary "$input" --format html -o "$tmp/report.html" "$@"
# Everything that could reach the network is off; the report needs none.
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --hide-scrollbars \
    --window-size="${WIDTH:-1400},${HEIGHT:-2600}" \
    --screenshot="$out" "file://$tmp/report.html" 2>"$tmp/chromium.log" || {
    cat "$tmp/chromium.log" >&2
    exit 2
}
echo "wrote $out"
