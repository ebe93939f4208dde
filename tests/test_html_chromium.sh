#!/bin/sh
# report.html in a real browser (headless Chromium): the page that
# test_html renders from a daemon journal with hostile tag, note, strap
# facts and marks, with the change statistics and verdict computed for
# its windows, and the page (no verdict) `vagus analyze --html`
# writes for an RR file must load, log no console error or blocked
# resource, keep every outside text as text (no <script> element in the
# parsed DOM), show the report's key numbers, and give a screenshot.
#
# CI installs chromium (tools/setup-debian) and sets VAGUS_CI=1: there a
# missing browser is a failure. Elsewhere it is skipped, and said so.
# $VAGUS_HTML_SHOT, if set, keeps the screenshot of the journal's page
# there for a human to look at.
set -u
cd "$(dirname "$0")/.." || exit 1
build=${VAGUS_BUILD:-build}
pass=0
fail=0

ok() {
	if [ "$1" = 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $2"
	fi
}

browser=
for b in chromium chromium-browser google-chrome; do
	if command -v "$b" >/dev/null 2>&1; then
		browser=$b
		break
	fi
done
if [ -z "$browser" ]; then
	if [ -n "${VAGUS_CI:-}" ]; then
		echo "FAIL: chromium is not installed (tools/setup-debian installs it)"
		echo "0 passed, 1 failed"
		exit 1
	fi
	echo "SKIP: chromium is not installed; the HTML is not checked in a browser"
	echo "0 passed, 0 failed"
	exit 0
fi

tmp=$(mktemp -d /tmp/vagus-chromium-XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

# Chromium as root needs --no-sandbox; its own profile keeps runs apart;
# without its background services a run takes about 2 s, not 3.
run_browser() { # LOG ARGS...
	log=$1
	shift
	timeout 60 "$browser" --headless --no-sandbox --disable-gpu \
		--no-first-run --no-default-browser-check \
		--user-data-dir="$tmp/profile" --disable-extensions \
		--disable-background-networking --disable-component-update \
		--disable-sync --disable-dev-shm-usage \
		--disable-features=MediaRouter,OptimizationHints,Translate \
		--enable-logging=stderr --v=0 "$@" 2>"$log"
}

# Console messages, script errors and resources the CSP blocked.
console_errors() {
	grep -E 'CONSOLE|Uncaught|Refused to|Content.Security.Policy' "$1"
}

# check_dom NAME DOM: what every page must have once parsed.
check_dom() {
	name=$1
	dom=$2
	grep -q '<section id="verdict"' "$dom"
	ok $? "$name: no verdict section in the DOM"
	n=$(grep -o '<svg' "$dom" | wc -l)
	[ "$n" -eq 4 ]
	ok $? "$name: $n SVG plots in the DOM, want 4"
	! grep -qi '<script' "$dom"
	ok $? "$name: a <script> element in the parsed DOM"
	! grep -qiE '<img|<iframe|<link' "$dom"
	ok $? "$name: an element that loads something"
}

# Key numbers of an RR file per `vagus analyze --json`: "name value".
json_num() { # FILE KEY
	grep -oE "\"$2\": -?[0-9.]+" "$1" | head -n 1 | sed 's/.*: //'
}

# 1. The page test_html made from a journal, with its change statistics.
VAGUS_HTML_DUMP=$tmp "$build/tests/test_html" >"$tmp/unit.log" 2>&1
ok $? "test_html failed: $(tail -n 3 "$tmp/unit.log")"

for page in change; do
	f=$tmp/$page.html
	if [ ! -s "$f" ]; then
		ok 1 "$page.html was not written"
		continue
	fi
	run_browser "$tmp/$page.log" --dump-dom "file://$f" >"$tmp/$page.dom"
	ok $? "$page: chromium --dump-dom failed: $(tail -n 3 "$tmp/$page.log")"
	errs=$(console_errors "$tmp/$page.log")
	[ -z "$errs" ]
	ok $? "$page: console errors: $errs"
	check_dom "$page" "$tmp/$page.dom"
done

dom=$tmp/change.dom
for want in '&lt;script&gt;alert(1)&lt;/script&gt;' \
	'&lt;img src=x onerror=alert(2)&gt;' \
	'end &lt;svg onload=alert(4)&gt;' \
	'<td id="battery">73 %</td>' 'PNS index (approximate)' \
	'<th>Fitted change, 95 % interval</th>' '<p id="sentence">'; do
	grep -qF "$want" "$dom"
	ok $? "change: '$want' not on the page"
done

grep -qE 'class="verdict v-(shift_to_rest|no_clear_change|shift_to_arousal)"' "$dom"
ok $? "change: no verdict of the change statistics on the page"

# The screenshot: a phone-wide window, the whole page.
shot=${VAGUS_HTML_SHOT:-$tmp/change.png}
run_browser "$tmp/shot.log" --hide-scrollbars --window-size=412,4200 \
	--screenshot="$shot" "file://$tmp/change.html" >/dev/null
ok $? "screenshot failed: $(tail -n 3 "$tmp/shot.log")"
size=$(wc -c <"$shot" 2>/dev/null || echo 0)
[ "$size" -gt 20000 ] && head -c 8 "$shot" | grep -q PNG
ok $? "screenshot $shot is not a PNG of a page ($size bytes)"

# 2. `vagus analyze --html OUT FILE` on a plain RR file.
rr=${VAGUS_DATA:-../shared/data/real}/rhenanbartels-hrv/rest_rri.rr.txt
"$build/vagus" analyze --html "$tmp/rr.html" "$rr" >/dev/null 2>"$tmp/rr.err"
ok $? "vagus analyze --html failed: $(cat "$tmp/rr.err")"
perm=$(stat -c %a "$tmp/rr.html" 2>/dev/null)
[ "$perm" = 600 ]
ok $? "vagus analyze --html wrote mode $perm, want 600"
"$build/vagus" analyze --json "$rr" >"$tmp/rr.json"
run_browser "$tmp/rr.log" --dump-dom "file://$tmp/rr.html" >"$tmp/rr.dom"
ok $? "rr: chromium --dump-dom failed"
errs=$(console_errors "$tmp/rr.log")
[ -z "$errs" ]
ok $? "rr: console errors: $errs"
check_dom rr "$tmp/rr.dom"
for key in mean_hr_bpm:1 rmssd_ms:1 sdnn_ms:1 pnn50_pct:1; do
	v=$(json_num "$tmp/rr.json" "${key%%:*}")
	want=$(printf "<td>%.${key##*:}f</td>" "$v")
	[ -n "$v" ] && grep -qF "$want" "$tmp/rr.dom"
	ok $? "rr: ${key%%:*} $want (from vagus analyze --json) not on the page"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
