#!/usr/bin/env bats
load helpers/common

@test "stamp: smoke" {
	run bash -c 'echo "{\"a\":1}" | ssmd-stamp 2>/dev/null'
	assert_success
	assert_output --regexp '^\{"ts":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z","feed":"kalshi","data":\{"a":1\}\}$'
}
