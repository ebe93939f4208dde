#!/bin/sh
# The manual pages keep up with the programs: every option that
# `vagusd --help`, `vagus --help`, each `vagus COMMAND --help` and
# `vagus-sim --help` print is documented in doc/vagusd.8, doc/vagus.1 and
# doc/vagus-sim.1; every command of `vagus` has its entry; every option
# vagusd(8) documents exists. With groff present, the pages format
# without a single warning.
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

# The long options a help text names, one per line, without "--".
options() {
	grep -oE -- '--[a-z][a-z0-9-]*' | sed 's/^--//' | sort -u
}

# documented PAGE OPTION: the page spells it \-\-option.
documented() {
	grep -q -- "\\\\-\\\\-$(printf '%s' "$2" | sed 's/-/\\\\-/g')\\b" "$1"
}

check_help() { # PAGE PROGRAM-AND-ARGS...
	page=$1
	shift
	for o in $("$@" --help 2>&1 | options); do
		documented "$page" "$o"
		ok $? "$page does not document --$o of '$*'"
	done
}

# (A build/vagusd left over from another branch does not count.)
if [ -d src/daemon ] && [ -x "$build/vagusd" ]; then
	check_help doc/vagusd.8 "$build/vagusd"
	# The other way round: no option in vagusd(8) the daemon lacks.
	help=$("$build/vagusd" --help 2>&1 | options)
	for o in $(sed -n '/^\.SH OPTIONS/,/^\.SH /p' doc/vagusd.8 |
		grep -E '^\.(B|BI|BR) \\-\\-' | sed 's/\\-/-/g' | options); do
		case $o in
		help | version)
			"$build/vagusd" "--$o" >/dev/null 2>&1
			ok $? "vagusd --$o fails"
			;;
		*)
			printf '%s\n' "$help" | grep -qx -- "$o"
			ok $? "vagusd(8) documents --$o, which vagusd --help lacks"
			;;
		esac
	done
fi

check_help doc/vagus.1 "$build/vagus"
cmds=$("$build/vagus" --help 2>&1 |
	sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ -n "$cmds" ]
ok $? "vagus --help lists its commands"
for c in $cmds; do
	grep -A1 '^\.TP' doc/vagus.1 | grep -qE "^\\.(B|BI) $c( |\$)"
	ok $? "vagus(1) has no entry for the command $c"
	check_help doc/vagus.1 "$build/vagus" "$c"
done
check_help doc/vagus-sim.1 "$build/vagus-sim"

if command -v groff >/dev/null 2>&1; then
	for m in doc/*.[1-9]; do
		out=$(groff -man -Tutf8 -ww -z "$m" 2>&1)
		[ -z "$out" ]
		ok $? "groff warns about $m: $out"
	done
else
	echo "test_docs: no groff here, formatting not checked"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
