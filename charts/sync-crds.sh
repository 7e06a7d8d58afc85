#!/usr/bin/env bash
# Copies the generated CRDs (crds/*.yaml, from src/api by `npm run crds`) into the chart.
# Helm can only read files inside the chart, so the chart keeps a copy in crds-src/
# (not crds/: Helm installs a chart's crds/ once and never upgrades them; the chart renders
# the copy from templates/crds.yaml instead). test/chart/crds-copy.test.ts fails when it drifts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/crds"
DST="$ROOT/charts/mailsync-operator/crds-src"
mkdir -p "$DST"
# drop copies whose source is gone
for f in "$DST"/*.yaml; do
  [[ -e "$f" ]] || continue
  [[ -e "$SRC/$(basename "$f")" ]] || { rm -f "$f"; echo "removed $(basename "$f")"; }
done
for f in "$SRC"/*.yaml; do
  [[ -e "$f" ]] || continue
  if ! cmp -s "$f" "$DST/$(basename "$f")"; then
    cp "$f" "$DST/"
    echo "copied $(basename "$f")"
  fi
done
