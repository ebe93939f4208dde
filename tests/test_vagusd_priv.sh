#!/bin/sh
# vagusd keeps only the capabilities its straps need, read back from
# /proc/PID/status of the running daemon: none for unix: straps,
# CAP_NET_ADMIN and CAP_NET_RAW (0x3000) in the permitted, effective and
# bounding sets for a Bluetooth strap; no_new_privs always. After the
# drop the control socket still answers and SIGTERM still ends the
# daemon with status 0. As root, an unprivileged run of --strap auto is
# tried too (it must say that it cannot discover straps).
set -u
cd "$(dirname "$0")/.." || exit 1
build=${VAGUS_BUILD:-build}
pass=0
fail=0
tmp=$(mktemp -d)
chmod 755 "$tmp"
pid=

ok() {
	if [ "$1" = 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $2"
	fi
}

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -d src/daemon ] || [ ! -x "$build/vagusd" ]; then
	echo "test_vagusd_priv: no vagusd in this tree"
	echo "0 passed, 0 failed"
	exit 0
fi

# status FIELD: the field of the daemon's /proc status, e.g. CapEff.
field() {
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"
}

# start DIR AS-USER STRAP: runs vagusd (as AS-USER when not "-") and waits
# until it says what it kept (a debug line, right after the drop).
start() {
	dir=$1
	user=$2
	mkdir -p "$dir"
	chmod 777 "$dir"
	set -- "$build/vagusd" --strap "$3" --state-dir "$dir/state" \
		--socket "$dir/ctl.sock" --gone-timeout 5 --verbose
	if [ "$user" = - ]; then
		"$@" 2>"$dir/log" &
	else
		# setpriv execs the daemon in its place: $! is the daemon.
		setpriv --reuid="$user" --regid="$(id -g "$user")" \
			--clear-groups -- "$@" 2>"$dir/log" &
	fi
	pid=$!
	i=0
	until grep -q 'privileges: keeping' "$dir/log" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 400 ] || ! kill -0 "$pid" 2>/dev/null; then
			sed 's/^/    vagusd: /' "$dir/log"
			kill "$pid" 2>/dev/null
			pid=
			return 1
		fi
		sleep 0.05
	done
}

stop() {
	kill -TERM "$pid"
	wait "$pid"
	ok $? "vagusd exits 0 on SIGTERM after the drop"
	pid=
}

root=false
[ "$(id -u)" -eq 0 ] && root=true

# unix: straps need nothing.
start "$tmp/unix" - "unix:$tmp/no-strap.sock"
ok $? "vagusd starts with a unix: strap"
if [ -n "$pid" ]; then
	ok "$([ "$(field NoNewPrivs)" = 1 ] && echo 0)" "no_new_privs is set"
	for f in CapPrm CapEff CapInh CapAmb; do
		[ "$(field $f)" = 0000000000000000 ]
		ok $? "unix: strap: $f is $(field $f), want 0"
	done
	if $root; then
		[ "$(field CapBnd)" = 0000000000000000 ]
		ok $? "unix: strap as root: CapBnd is $(field CapBnd), want 0"
	fi
	"$build/vagus" --socket "$tmp/unix/ctl.sock" status >/dev/null 2>&1
	ok $? "vagus status answered after the drop"
	stop
fi

if $root; then
	start "$tmp/bt" - bt:00:11:22:33:44:55/random
	ok $? "vagusd starts with a Bluetooth strap"
	if [ -n "$pid" ]; then
		for f in CapPrm CapEff CapBnd; do
			[ "$(field $f)" = 0000000000003000 ]
			ok $? "bt: strap: $f is $(field $f), want 0x3000"
		done
		for f in CapInh CapAmb; do
			[ "$(field $f)" = 0000000000000000 ]
			ok $? "bt: strap: $f is $(field $f), want 0"
		done
		ok "$([ "$(field NoNewPrivs)" = 1 ] && echo 0)" \
			"no_new_privs is set"
		grep -q 'privileges: keeping cap_net_admin,cap_net_raw' \
			"$tmp/bt/log"
		ok $? "the log says what was kept"
		stop
	fi
	if command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
		start "$tmp/nobody" nobody auto
		ok $? "vagusd starts as nobody with --strap auto"
		if [ -n "$pid" ]; then
			[ "$(field CapEff)" = 0000000000000000 ]
			ok $? "as nobody: CapEff is $(field CapEff), want 0"
			grep -q 'cannot discover straps' "$tmp/nobody/log"
			ok $? "as nobody, --strap auto warns that discovery fails"
			stop
		fi
	fi
else
	echo "test_vagusd_priv: not root, the capability cases are skipped"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
