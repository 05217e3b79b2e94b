# --help, the option table and the man page agree.  Load after
# helpers/common:
#     load helpers/help
#
# help_check PROG [PAGE]
#     PAGE defaults to man/PROG.1.  Fails (with a message) unless:
#     - PROG --help exits 0, writes only to standard output, and its last
#       line names the page ("See PROG(1).");
#     - a usage error exits 64 with the synopsis and "try 'PROG --help'" on
#       standard error only;
#     - the long options PROG accepts are exactly those of its source's
#       option table (cmd/PROG/main.c, with the NATS_CONN_LONGOPTS macro of
#       lib/nats_conn.h expanded), probed on the binary itself: for each
#       letter X, "PROG --X= --not-an-option" makes getopt_long say that no
#       option starts with X, or list every one that does (ambiguous), or
#       take the one option that does; so an option added anywhere that the
#       table reading misses fails here;
#     - --help shows every one of them, each on a line that says its
#       default (or "required"), and shows no option PROG rejects;
#     - the page names every one of them (as --name), and its SYNOPSIS
#       names no option PROG rejects.
#     Sets HELP_OPTS to the accepted options, one per line.

# The long option names of the source's table, sorted.
help_source_opts() {
	local prog=$1 src=$ROOT/cmd/$1/main.c
	{
		sed -n 's/^[[:space:]]*{[[:space:]]*"\([a-z0-9-]*\)",.*_argument.*/\1/p' "$src"
		if grep -q NATS_CONN_LONGOPTS "$src"; then
			sed -n '/define NATS_CONN_LONGOPTS/,/^[^\\]*$/p' \
				"$ROOT/lib/nats_conn.h" |
				sed -n 's/.*{[[:space:]]*"\([a-z0-9-]*\)",.*/\1/p'
		fi
	} | sort -u
}

# What getopt_long in the binary says about the prefix --X: "none",
# "some NAME..." (all options starting with X, from the ambiguity list),
# "one NAME" (no-argument option named in the error), or "one ?" (an
# option that takes a value: its empty value or the next, unknown option
# was refused).
_help_probe() {
	local prog=$1 x=$2 out rc=0
	out=$(timeout 20 "$BIN/$prog" "--$x=" --not-an-option-at-all \
		2>&1 < /dev/null) || rc=$?
	if [ "$rc" -ne 64 ]; then
		echo "probe --$x= exited $rc, not 64: $out" >&2
		return 1
	fi
	case $out in
	*"unrecognized option '--$x='"*)
		echo none ;;
	*"is ambiguous; possibilities:"*)
		echo "some $(printf '%s\n' "$out" | head -1 |
			sed 's/.*possibilities://' | grep -o "'--[a-z0-9-]*'" |
			tr -d "'" | sed 's/^--//' | sort -u | tr '\n' ' ')" ;;
	*"option '--"*"' doesn't allow an argument"*)
		echo "one $(printf '%s\n' "$out" |
			sed -n "s/.*option '--\([a-z0-9-]*\)' doesn't allow.*/\1/p" |
			head -1)" ;;
	*)
		# Taken: the rest of the line was rejected, or the empty value.
		echo "one ?" ;;
	esac
}

help_check() {
	local prog=$1 page=${2:-$ROOT/man/$1.1} sect
	local out err rc opts x want got probe o text syn line bad=0
	[ -x "$BIN/$prog" ] || { echo "no $BIN/$prog: run make" >&2; return 1; }
	[ -f "$page" ] || { echo "no page $page" >&2; return 1; }
	sect=${page##*.}

	# --help: stdout only, exit 0, ends pointing at the page.
	out=$("$BIN/$prog" --help 2> "$BATS_TEST_TMPDIR/help.err") || {
		echo "$prog --help exited $?" >&2; return 1; }
	if [ -s "$BATS_TEST_TMPDIR/help.err" ]; then
		echo "$prog --help wrote to stderr:" >&2
		cat "$BATS_TEST_TMPDIR/help.err" >&2
		return 1
	fi
	if [ "$(printf '%s\n' "$out" | tail -1)" != "See $prog($sect)." ]; then
		echo "$prog --help does not end with 'See $prog($sect).'" >&2
		return 1
	fi
	# A usage error: short, on stderr, 64.
	rc=0
	err=$("$BIN/$prog" --not-an-option-at-all 2>&1 > "$BATS_TEST_TMPDIR/usage.out") || rc=$?
	if [ "$rc" -ne 64 ] || [ -s "$BATS_TEST_TMPDIR/usage.out" ] ||
	    ! printf '%s\n' "$err" | grep -q "^usage: $prog " ||
	    ! printf '%s\n' "$err" | grep -qF "try '$prog --help'"; then
		echo "$prog: a usage error gave status $rc and: $err" >&2
		return 1
	fi

	opts=$(help_source_opts "$prog")
	[ -n "$opts" ] || { echo "no option table in cmd/$prog/main.c" >&2; return 1; }
	# The binary accepts exactly the table's options.
	for x in a b c d e f g h i j k l m n o p q r s t u v w x y z; do
		probe=$(_help_probe "$prog" "$x") || return 1
		want=$(printf '%s\n' "$opts" | grep "^$x" | tr '\n' ' ')
		case $probe in
		none) got= ;;
		"some "*) got=${probe#some } ;;
		"one ?") got=$want
			[ "$(printf '%s\n' "$opts" | grep -c "^$x")" -eq 1 ] || got="(one option)" ;;
		"one "*) got="${probe#one } " ;;
		esac
		if [ "$got" != "$want" ]; then
			echo "$prog: options starting with '$x': the binary" \
			    "takes '$got', the table has '$want'" >&2
			bad=1
		fi
	done
	# Each name read from the table is one the binary takes.
	for o in $opts; do
		"$BIN/$prog" "--$o=x" --not-an-option-at-all 2>&1 < /dev/null |
		    grep -q "unrecognized option '--$o=" && {
			echo "$prog does not take --$o of its table" >&2; bad=1; }
	done
	# --help shows each; shows nothing else.
	for o in $opts; do
		printf '%s\n' "$out" | grep -qE -- "--$o([^a-z0-9-]|\$)" || {
			echo "$prog --help does not show --$o" >&2; bad=1; }
	done
	for o in $(printf '%s\n' "$out" | grep -oE -- "(^|[ ,|[])--[a-z0-9-]+" |
	    sed 's/^.*--//' | sort -u); do
		printf '%s\n' "$opts" | grep -qx -- "$o" || {
			echo "$prog --help shows --$o, which it does not take" >&2
			bad=1; }
	done
	# Each option's line says its default (or that it is required); a
	# --no-X beside --X, an old name, --help and --version need not.
	while IFS= read -r line; do
		case $line in
		*default*|*required*|*"old name of"*|*"print th"*) continue ;;
		esac
		o=$(printf '%s\n' "$line" | grep -oE -- "--[a-z0-9-]+" | head -1)
		if [[ $o == --no-* ]] && printf '%s\n' "$out" |
		    grep -qE -- "^  (-[a-zA-Z], )?--${o#--no-}( |\$)"; then
			continue
		fi
		echo "$prog --help: no default on: $line" >&2
		bad=1
	done < <(printf '%s\n' "$out" | grep -E '^  -')
	# The page names each; its SYNOPSIS nothing else.
	text=$(mandoc -Tutf8 "$page" | col -bx)
	for o in $opts; do
		printf '%s\n' "$text" | grep -qE -- "--$o([^a-z0-9-]|\$)" || {
			echo "$page does not name --$o" >&2; bad=1; }
	done
	syn=$(printf '%s\n' "$text" | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p')
	for o in $(printf '%s\n' "$syn" | grep -oE -- "--[a-z0-9-]+" |
	    sed 's/^--//' | sort -u); do
		printf '%s\n' "$opts" | grep -qx -- "$o" || {
			echo "$page SYNOPSIS names --$o, which $prog does not take" >&2
			bad=1; }
	done
	HELP_OPTS=$opts
	return "$bad"
}
