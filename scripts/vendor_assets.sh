#!/usr/bin/env bash
# Refresh static/vendor from the npm packages pinned in package.json (run by hand when upgrading;
# the vendored files are committed so Haechi serves them offline, without a CDN or node at run time).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version() { python3 -c "import json,sys; print(json.load(open('package.json'))['dependencies'][sys.argv[1]])" "$1"; }
for pkg in krds-uiux pretendard htmx.org chart.js; do
  spec="$pkg@$(version "$pkg")"
  (cd "$work" && npm pack --silent "$spec" >/dev/null && mkdir -p "$pkg" && tar xzf ./*.tgz -C "$pkg" && rm ./*.tgz)
done
dest=static/vendor
rm -rf "$dest"
mkdir -p "$dest/krds/css/token" "$dest/krds/css/component" "$dest/krds/js" "$dest/pretendard" "$dest/htmx" "$dest/chartjs"
krds="$work/krds-uiux/package/resources"
cp "$krds/css/token/krds_tokens.css" "$dest/krds/css/token/"
cp "$krds/css/component/output.css" "$dest/krds/css/component/"
cp -r "$krds/img" "$dest/krds/img"
cp "$krds/js/component/ui-script.js" "$dest/krds/js/"
cp "$work/pretendard/package/dist/web/variable/woff2/PretendardVariable.woff2" "$dest/pretendard/"
cp "$work/pretendard/package/LICENSE.txt" "$dest/pretendard/LICENSE.txt" 2>/dev/null || true
cp "$work/htmx.org/package/dist/htmx.min.js" "$dest/htmx/"
cp "$work/htmx.org/package/LICENSE" "$dest/htmx/LICENSE" 2>/dev/null || true
cp "$work/chart.js/package/dist/chart.umd.min.js" "$dest/chartjs/"
cp "$work/chart.js/package/LICENSE.md" "$dest/chartjs/LICENSE.md"
sed -i '/sourceMappingURL/d' "$dest/chartjs/chart.umd.min.js"
# The component CSS ends with a source-map comment for a map we do not ship.
sed -i '/sourceMappingURL/d' "$dest/krds/css/component/output.css"
echo "vendored: krds-uiux $(version krds-uiux), pretendard $(version pretendard), htmx.org $(version htmx.org), chart.js $(version chart.js)"
