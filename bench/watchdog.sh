# bench/watchdog.sh, sourced by the bench scripts: start_watchdog NAME
# SECONDS sends this shell SIGTERM once SECONDS pass, so that a run always
# stops by itself (its TERM trap then stops what it started). WATCHDOG is
# the watchdog's pid: kill it when the run ends first.
start_watchdog() {
	local name=$1 seconds=$2 main=$$
	(
		trap 'kill "$sp" 2>/dev/null; exit 0' TERM
		sleep "$seconds" &
		sp=$!
		wait "$sp" && echo "$name: RUN_TIMEOUT ($seconds s) reached, stopping" >&2 && kill -TERM "$main"
	) &
	WATCHDOG=$!
}
