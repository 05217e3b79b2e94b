# Helpers for tests/rotate.bats.

# rot_gen N START STEP [TAG]: N envelopes whose ts starts at START (UTC,
# "YYYY-MM-DD HH:MM:SS") and grows by STEP seconds (may be fractional);
# data holds a counter and TAG so lines are distinct.
rot_gen() {
	/usr/bin/python3 - "$@" <<'EOF'
import sys, datetime
n, start, step = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
tag = sys.argv[4] if len(sys.argv) > 4 else "t"
t0 = datetime.datetime.strptime(start, "%Y-%m-%d %H:%M:%S")
out = sys.stdout
for i in range(n):
    t = t0 + datetime.timedelta(seconds=i * step)
    out.write('{"ts":"%s.%06dZ","feed":"kalshi","data":{"type":"trade","tag":"%s","n":%d,"msg":{"yes_price":%d}}}\n'
              % (t.strftime("%Y-%m-%dT%H:%M:%S"), t.microsecond, tag, i, i % 97))
EOF
}

# rot_cat DIR: every line of every final file under DIR, in archive order
# (dates, then slot, then the .N suffix as a number).  Fails on a file
# that is not valid gzip or on a line that is not whole.
rot_cat() {
	/usr/bin/python3 - "$1" <<'EOF'
import sys, os, re, gzip
root = sys.argv[1]
def key(name):
    stem = re.sub(r'\.jsonl(\.gz)?$', '', name)
    return [int(p) if p.isdigit() else p for p in re.split(r'(\d+)', stem)]
out = sys.stdout.buffer
for d in sorted(os.listdir(root)):
    if not re.fullmatch(r'\d{4}-\d\d-\d\d', d):
        continue
    names = [f for f in os.listdir(os.path.join(root, d))
             if re.search(r'\.jsonl(\.gz)?$', f)]
    for f in sorted(names, key=key):
        p = os.path.join(root, d, f)
        data = gzip.open(p).read() if f.endswith('.gz') else open(p, 'rb').read()
        if data and not data.endswith(b'\n'):
            sys.exit('half line at the end of ' + p)
        out.write(data)
EOF
}

# rot_files DIR: final and in-progress files, relative to DIR, sorted.
rot_files() {
	(cd "$1" && find . -name '*.jsonl*' | sed 's|^\./||' | sort)
}

# rot_valid DIR: ssmd-verify passes the whole archive (gzip CRC and length,
# every line one JSON value and an envelope in order inside its slot, the
# manifest equal to the files, no leftovers), and every line is whole.
rot_valid() {
	ssmd-verify -q "$1" || return 1
	rot_cat "$1" | jq -e . > /dev/null
}

# rot_metric FILE NAME[{labels}]: the value of a metric in a .prom file.
rot_metric() {
	awk -v m="$2" '$1 == m { print $2 }' "$1"
}

# rot_count_tag DIR TAG NEWER: whole lines whose data.tag is TAG in the
# files under DIR changed since file NEWER, in-progress ones included (a
# cut gzip tail is tolerated, a half line is not counted).  A file renamed
# while we look is counted once or not at all: a lower bound.
rot_count_tag() {
	local n=0 c ino f z=$BATS_TEST_TMPDIR/count.z
	while read -r ino f; do
		case $f in *.gz|*.gz.partial) zcat "$f" 2>/dev/null ;; *) cat "$f" 2>/dev/null ;; esac > "$z"
		c=$(grep -c "\"tag\":\"$2\"" "$z")
		if [ -n "$(tail -c1 "$z")" ] && tail -n1 "$z" | grep -q "\"tag\":\"$2\""; then
			c=$((c - 1))
		fi
		n=$((n + c))
	done < <(find "$1" -name '*.jsonl*' ! -name '*.recovering' -newer "$3" -printf '%i %p\n' | sort -u -k1,1)
	echo "$n"
}

# rot_peak_rss_kib CMD...: peak RSS in KiB of CMD run to completion (GNU
# time measures the exec'd program alone, not a forked interpreter).
rot_peak_rss_kib() {
	/usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" "$@" > /dev/null 2>&1
	cat "$BATS_TEST_TMPDIR/rss"
}
