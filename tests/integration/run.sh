#!/bin/sh
# run.sh: runs every tests/integration/test_*.sh (or those named in $TESTS) and sums their results.
cd "$(dirname "$0")" || exit 1
: "${BEACON:?set BEACON to the beacon binary}"
export BEACON
pass=0; fail=0; files_failed=""
for t in ${TESTS:-test_*.sh}; do
	[ -f "$t" ] || continue
	echo "=== $t"
	out=$(timeout 900 bash "./$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | grep -E '^[a-z_0-9]+: [0-9]+ passed, [0-9]+ failed$' | tail -1)
	p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/'); f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed/\1/')
	[ -n "$line" ] || { p=0; f=1; }
	[ $rc -ne 0 ] && [ "$f" -eq 0 ] && f=1
	pass=$((pass + p)); fail=$((fail + f))
	[ $rc -ne 0 ] && files_failed="$files_failed $t"
done
[ -n "$files_failed" ] && echo "failed files:$files_failed"
echo "integration: $pass passed, $fail failed"
[ $fail -eq 0 ]
