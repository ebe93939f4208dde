#!/bin/sh
# `make install` into a temporary DESTDIR puts every file where vagusd(8)
# says, with the right modes and the unit's paths substituted; PREFIX,
# SYSCONFDIR and UNITDIR are honoured; an edited config survives a
# reinstall; `make uninstall` removes everything but that config. With
# systemd-analyze present the installed unit is verified and its exposure
# score must stay at most 2.0.
set -u
cd "$(dirname "$0")/.." || exit 1
build=${VAGUS_BUILD:-build}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() {
	if [ "$1" = 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $2"
	fi
}

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	what=$1
	shift
	"$@" >/dev/null 2>&1
	ok $? "$what"
}

# The sub-make must not inherit the test run's jobserver or goals.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -s --no-print-directory BUILD="$build" "$@" \
		>"$tmp/make.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || sed 's/^/    make: /' "$tmp/make.log"
	return $rc
}

mode_is() { # FILE MODE
	[ -f "$1" ] && [ "$(stat -c %a "$1")" = "$2" ]
}

d=$tmp/root
mk install DESTDIR="$d"
ok $? "make install DESTDIR=$d"

bins="bin/vagus:$build/vagus bin/vagus-sim:$build/vagus-sim"
[ -d src/daemon ] && bins="$bins sbin/vagusd:$build/vagusd"
for b in $bins; do
	f=$d/usr/local/${b%%:*}
	check "$f is 0755" mode_is "$f" 755
	check "$f is the built ${b#*:}" cmp -s "$f" "${b#*:}"
done
mans=
for m in doc/*.[1-9]; do
	mans="$mans share/man/man${m##*.}/${m#doc/}"
done
for f in $mans lib/systemd/system/vagusd.service lib/sysusers.d/vagus.conf \
	etc/vagus/vagusd.conf; do
	check "$d/usr/local/$f is 0644" mode_is "$d/usr/local/$f" 644
done
check "vagus(1), vagus-sim(1) and vagusd(8) among them" \
	test -f "$d/usr/local/share/man/man1/vagus.1" -a \
	-f "$d/usr/local/share/man/man1/vagus-sim.1" -a \
	-f "$d/usr/local/share/man/man8/vagusd.8"
unit=$d/usr/local/lib/systemd/system/vagusd.service
check "unit runs /usr/local/sbin/vagusd" \
	grep -q '^ExecStart=/usr/local/sbin/vagusd --config /usr/local/etc/vagus/vagusd.conf ' "$unit"
check "no @PLACEHOLDER@ left in the unit" sh -c "! grep -q '@[A-Z]*@' '$unit'"
check "the config installed is doc/vagusd.conf" \
	cmp -s "$d/usr/local/etc/vagus/vagusd.conf" doc/vagusd.conf
check "the sysusers file creates the group vagus" \
	grep -q '^g vagus ' "$d/usr/local/lib/sysusers.d/vagus.conf"
# Nothing else, nothing writable by others, nothing setuid.
n=$(find "$d" -type f | wc -l)
want=$(($(echo "$mans" | wc -w) + 6)) # + 3 programs, unit, sysusers, config
[ -d src/daemon ] || want=$((want - 1))
[ "$n" -eq "$want" ]
ok $? "$want files installed, found $n"
check "no file writable by group or others, none setuid" \
	sh -c "[ -z \"\$(find '$d' -type f -perm /7022)\" ]"

# An edited config is the admin's: a reinstall keeps it.
echo "gone-timeout = 300" >>"$d/usr/local/etc/vagus/vagusd.conf"
mk install DESTDIR="$d"
ok $? "second make install"
check "reinstall keeps the edited config" \
	grep -q '^gone-timeout = 300$' "$d/usr/local/etc/vagus/vagusd.conf"

mk uninstall DESTDIR="$d"
ok $? "make uninstall"
left=$(find "$d" -type f)
[ "$left" = "$d/usr/local/etc/vagus/vagusd.conf" ]
ok $? "uninstall leaves only the config, left: $left"

# A distribution layout: PREFIX=/usr puts the config in /etc.
d2=$tmp/distro
mk install DESTDIR="$d2" PREFIX=/usr UNITDIR=/usr/lib/systemd/user-test
ok $? "make install PREFIX=/usr"
check "PREFIX=/usr: config in /etc" test -f "$d2/etc/vagus/vagusd.conf"
check "UNITDIR honoured" test -f "$d2/usr/lib/systemd/user-test/vagusd.service"
check "PREFIX=/usr: unit names /usr/sbin/vagusd and /etc" \
	grep -q '^ExecStart=/usr/sbin/vagusd --config /etc/vagus/vagusd.conf ' \
	"$d2/usr/lib/systemd/user-test/vagusd.service"
check "PREFIX=/usr: man pages" test -f "$d2/usr/share/man/man8/vagusd.8"

# The example config is one vagusd accepts: it starts on it and stops
# cleanly (a unix: strap so that no Bluetooth is needed here).
if [ -d src/daemon ] && [ -x "$build/vagusd" ]; then
	c=$tmp/conf
	mkdir -p "$c"
	"$build/vagusd" --config doc/vagusd.conf --strap "unix:$c/none" \
		--state-dir "$c/state" --socket "$c/ctl.sock" 2>"$c/log" &
	vp=$!
	i=0
	until [ -S "$c/ctl.sock" ] || [ $i -gt 400 ] ||
		! kill -0 $vp 2>/dev/null; do
		i=$((i + 1))
		sleep 0.05
	done
	kill -TERM $vp 2>/dev/null
	wait $vp
	rc=$?
	[ $rc -eq 0 ] || sed 's/^/    vagusd: /' "$c/log"
	ok $rc "vagusd runs on doc/vagusd.conf and exits 0 on SIGTERM"
fi

# systemd's own check of the unit, on an install whose paths exist
# (PREFIX inside the temporary directory, man pages on MANPATH); verify
# needs the daemon's binary to exist, the exposure score does not.
if command -v systemd-analyze >/dev/null 2>&1; then
	p=$tmp/prefix
	mk install PREFIX="$p"
	ok $? "make install PREFIX=$p"
	u=$p/lib/systemd/system/vagusd.service
	if [ -d src/daemon ]; then
		MANPATH=$p/share/man systemd-analyze verify "$u" \
			>"$tmp/verify.log" 2>&1
		rc=$?
		[ -s "$tmp/verify.log" ] && rc=1
		[ $rc -eq 0 ] || sed 's/^/    verify: /' "$tmp/verify.log"
		ok $rc "systemd-analyze verify vagusd.service"
	else
		echo "test_install: no vagusd yet: unit not verified"
	fi
	# Exposure 1.5 of 10 today: a unit loosened past 2.0 fails.
	systemd-analyze security --offline=yes --threshold=20 "$u" \
		>"$tmp/security.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || tail -n 3 "$tmp/security.log"
	ok $rc "systemd-analyze security: exposure at most 2.0"
else
	echo "test_install: no systemd-analyze: unit not checked by systemd"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
