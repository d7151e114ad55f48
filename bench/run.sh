#!/usr/bin/env bash
# bench/run.sh: Roost's device gateway against Mosquitto and mochi-mqtt, over
# mutual TLS, on loopback, in one run. It installs and starts each broker in
# turn, drives it with the same `roost bench` scenarios, stops it, and prints
# a markdown table side by side (also in bench/results/<run>/summary.md).
#
# Everything it starts it stops (on exit, on Ctrl-C, and when RUN_TIMEOUT
# passes). Every address is on loopback. Parameters are environment
# variables (defaults below); the default run takes about 6-8 minutes on 2 cores.
#
#   bench/run.sh                                   # everything
#   BROKERS=roost SCENARIOS=fanin bench/run.sh     # one broker, one scenario
#   IDLE_CONNS=19000 IDLE_PROCS=2 SCENARIOS=idle bench/run.sh   # 19k idle connections
#   ROOST_BASE=/tmp/roost-main BROKERS="roost roost-base" bench/run.sh   # A/B: this tree against another build
#   BROKER_CPUS=0 GEN_CPUS=1 SCENARIOS=connect bench/run.sh   # broker and generator on separate cores
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")

BROKERS=${BROKERS:-"roost mosquitto mochi"}      # which brokers, in this order
ROOST_BASE=${ROOST_BASE:-}                       # broker "roost-base": this roost binary, with Roost's flags and data
SCENARIOS=${SCENARIOS:-"idle fanin latency connect"}
PUBLISHERS=${PUBLISHERS:-100}                    # fan-in: publishers -> 1 wildcard subscriber
PAYLOAD=${PAYLOAD:-100}                          # bytes
FANIN_DURATION=${FANIN_DURATION:-10s}
WINDOW=${WINDOW:-100}                            # QoS 1 PUBLISHes in flight per publisher
FANIN_QOS=${FANIN_QOS:-"0 1"}
FANIN_RATE=${FANIN_RATE:-0}                      # total msgs/s offered; 0 = as fast as the broker takes them
LAT_RATE=${LAT_RATE:-100}                        # latency: total msgs/s
LAT_PUBLISHERS=${LAT_PUBLISHERS:-10}
LAT_QOS=${LAT_QOS:-1}
LAT_DURATION=${LAT_DURATION:-60s}
LAT_TOGETHER=${LAT_TOGETHER:-0}                  # 1: the latency scenario runs every broker at once (see below)
IDLE_CONNS=${IDLE_CONNS:-"2000 10000"}           # one fresh broker per size
IDLE_PROCS=${IDLE_PROCS:-1}                      # generator processes holding them (20,000 files each at most)
IDLE_SETTLE=${IDLE_SETTLE:-25s}                  # idle this long before reading the broker's RSS (steady state: Roost trims its heap after 10-20 s idle)
CONNECTORS=${CONNECTORS:-8}
CONNECT_DURATION=${CONNECT_DURATION:-10s}
SOURCES=${SOURCES:-127.0.0.2-127.0.0.17}         # client source addresses, in turn
TLS_VERSION=${TLS_VERSION:-1.3}
ROOST_PORT=${ROOST_PORT:-18883}
MOSQUITTO_PORT=${MOSQUITTO_PORT:-18884}
MOCHI_PORT=${MOCHI_PORT:-18885}
ROOST_API_PORT=${ROOST_API_PORT:-18440}
ROOST_BASE_PORT=${ROOST_BASE_PORT:-18886}        # roost-base: its own ports and a copy of Roost's data, so both can run at once
ROOST_BASE_API_PORT=${ROOST_BASE_API_PORT:-18441}
ROOST_DEBUG_ADDR=${ROOST_DEBUG_ADDR:-}             # e.g. 127.0.0.1:6060: Roost serves its runtime profiles there (go tool pprof)
REPEAT=${REPEAT:-1}                              # rounds of everything; the table shows medians
BROKER_CPUS=${BROKER_CPUS:-}                     # e.g. 0: the broker runs on these CPUs only (taskset -c; Go sizes GOMAXPROCS to them)
GEN_CPUS=${GEN_CPUS:-}                           # e.g. 1: the generator runs on these CPUs only
RUN_TIMEOUT=${RUN_TIMEOUT:-1200}                 # seconds; the whole run is stopped after this
STEP_TIMEOUT=${STEP_TIMEOUT:-180}                # seconds; one `roost bench` invocation
OUT=${OUT:-$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)}

mkdir -p "$OUT/bin" "$OUT/pki" "$OUT/logs"
RESULTS=$OUT/results.jsonl
: >"$RESULTS"
log() { printf '== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- cleanup
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	PIDS=()
}
WATCHDOG=
on_exit() {
	cleanup
	[ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null || true
}
trap on_exit EXIT
trap 'log "interrupted"; exit 130' INT TERM
# shellcheck source=bench/watchdog.sh
. "$HERE/watchdog.sh"
start_watchdog bench/run.sh "$RUN_TIMEOUT"

forget() { # forget a stopped pid
	local keep=() p
	for p in "${PIDS[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done
	PIDS=("${keep[@]+"${keep[@]}"}")
}

# ------------------------------------------------------------ the peers
need() { command -v "$1" >/dev/null 2>&1; }
apt_install() {
	log "installing $* (apt)"
	if [ "$(id -u)" -ne 0 ]; then echo "bench/run.sh: need root to apt-get install $*" >&2; exit 1; fi
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
need openssl || apt_install openssl
need aws || apt_install awscli
[[ " $BROKERS " == *" mosquitto "* ]] && { need mosquitto || [ -x /usr/sbin/mosquitto ] || apt_install mosquitto; }
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)

# Brokers and the generator may each hold one descriptor per connection.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

log "building roost and the mochi peer into $OUT/bin"
(cd "$ROOT" && go build -o "$OUT/bin/roost" ./cmd/roost)
ROOST=$OUT/bin/roost
if [[ " $BROKERS " == *" mochi "* ]]; then
	(cd "$HERE/mochi" && go build -o "$OUT/bin/mochi" .)
fi

# ------------------------------------------------------------ processes
# The taskset prefixes that confine the broker and the generator to their
# CPUs (empty when unset). taskset execs the command, so $! stays its pid.
PIN_BROKER=() PIN_GEN=()
[ -n "$BROKER_CPUS" ] && PIN_BROKER=(taskset -c "$BROKER_CPUS")
[ -n "$GEN_CPUS" ] && PIN_GEN=(taskset -c "$GEN_CPUS")
wait_port() { # port pid: wait until something accepts on 127.0.0.1:port
	for _ in $(seq 150); do
		kill -0 "$2" 2>/dev/null || return 1
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	return 1
}

ROOST_DATA=$OUT/roost-data
roost_args=() # set by set_roost_args
set_roost_args() { # bin data-dir api-port mqtt-port
	roost_args=(server --data-dir "$2" --api-addr "127.0.0.1:$3" --mqtt-addr "127.0.0.1:$4"
		--mqtt-publish-rate 0 --log-level warn --host localhost --host 127.0.0.1)
	[ -n "$ROOST_DEBUG_ADDR" ] && [ "$1" = "$ROOST" ] && roost_args+=(--debug-addr "$ROOST_DEBUG_ADDR")
	# Keep every other listener of this build on loopback, on a port of the kernel's choosing.
	local flag
	for flag in --https-addr --ws-addr; do
		if "$1" server --help 2>/dev/null | grep -q -- "$flag "; then roost_args+=("$flag" 127.0.0.1:0); fi
	done
}

BROKER_PID=
broker_port() { # name
	case $1 in
	roost) echo "$ROOST_PORT" ;;
	roost-base) echo "$ROOST_BASE_PORT" ;;
	mosquitto) echo "$MOSQUITTO_PORT" ;;
	mochi) echo "$MOCHI_PORT" ;;
	esac
}

BROKER_ADDR=
start_broker() { # name
	local name=$1 port
	case $name in
	roost)
		port=$ROOST_PORT
		set_roost_args "$ROOST" "$ROOST_DATA" "$ROOST_API_PORT" "$port"
		"${PIN_BROKER[@]}" env ${ROOST_GOGC:+GOGC=$ROOST_GOGC} "$ROOST" "${roost_args[@]}" >>"$OUT/logs/$name.log" 2>&1 &
		;;
	roost-base)
		[ -x "$ROOST_BASE" ] || { echo "bench/run.sh: roost-base needs ROOST_BASE, a roost binary" >&2; exit 1; }
		port=$ROOST_BASE_PORT
		set_roost_args "$ROOST_BASE" "$OUT/roost-base-data" "$ROOST_BASE_API_PORT" "$port"
		"${PIN_BROKER[@]}" env ${ROOST_GOGC:+GOGC=$ROOST_GOGC} "$ROOST_BASE" "${roost_args[@]}" >>"$OUT/logs/$name.log" 2>&1 &
		;;
	mosquitto)
		port=$MOSQUITTO_PORT
		sed -e "s|@PORT@|$port|" -e "s|@CA@|$CA|" -e "s|@CERT@|$SERVER_CERT|" -e "s|@KEY@|$SERVER_KEY|" \
			"$HERE/mosquitto.conf" >"$OUT/mosquitto.conf"
		"${PIN_BROKER[@]}" "$MOSQUITTO" -c "$OUT/mosquitto.conf" >>"$OUT/logs/mosquitto.log" 2>&1 &
		;;
	mochi)
		port=$MOCHI_PORT
		"${PIN_BROKER[@]}" "$OUT/bin/mochi" -addr "127.0.0.1:$port" -ca "$CA" -cert "$SERVER_CERT" -key "$SERVER_KEY" \
			>>"$OUT/logs/mochi.log" 2>&1 &
		;;
	*) echo "bench/run.sh: unknown broker $name" >&2; exit 1 ;;
	esac
	BROKER_PID=$!
	PIDS+=("$BROKER_PID")
	BROKER_ADDR=127.0.0.1:$port
	if ! wait_port "$port" "$BROKER_PID"; then
		echo "bench/run.sh: $name did not start; see $OUT/logs/$name.log" >&2
		tail -20 "$OUT/logs/$name.log" >&2 || true
		exit 1
	fi
	sleep 0.5
}

stop_broker() {
	[ -n "$BROKER_PID" ] || return 0
	kill -TERM "$BROKER_PID" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$BROKER_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$BROKER_PID" 2>/dev/null || true
	wait "$BROKER_PID" 2>/dev/null || true
	forget "$BROKER_PID"
	BROKER_PID=
}

# ------------------------------------------------------------ certificates
# Roost's data directory holds the CA and a server certificate for
# localhost/127.0.0.1; every broker serves that certificate and requires a
# client certificate from that CA. The client certificate (ECDSA P-256, one
# for every connection) is issued by Roost from a CSR and attached to one
# permissive policy, so Roost's policy checks run (and allow).
log "certificates: Roost's CA, a P-256 client certificate issued through the AWS API"
start_broker roost
CA=$ROOST_DATA/ca.pem
SERVER_CERT=$ROOST_DATA/server.pem
SERVER_KEY=$ROOST_DATA/server.key
CLIENT_CERT=$OUT/pki/client.pem
CLIENT_KEY=$OUT/pki/client.key
export AWS_SHARED_CREDENTIALS_FILE=$ROOST_DATA/credentials AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=
awsiot() { aws --endpoint-url "http://127.0.0.1:$ROOST_API_PORT" --region us-east-1 iot "$@"; }
openssl ecparam -name prime256v1 -genkey -noout -out "$CLIENT_KEY" 2>/dev/null
openssl req -new -key "$CLIENT_KEY" -subj "/CN=roost-bench" -out "$OUT/pki/client.csr" 2>/dev/null
arn=$(awsiot create-certificate-from-csr --set-as-active --certificate-signing-request "file://$OUT/pki/client.csr" \
	--certificate-pem-outfile "$CLIENT_CERT" --query certificateArn --output text)
awsiot get-policy --policy-name BenchAllowAll >/dev/null 2>&1 || awsiot create-policy --policy-name BenchAllowAll \
	--policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}' >/dev/null
awsiot attach-policy --policy-name BenchAllowAll --target "$arn"
stop_broker
# roost-base serves a copy: the same CA, server certificate and registered client.
[[ " $BROKERS " == *" roost-base "* ]] && cp -a "$ROOST_DATA" "$OUT/roost-base-data"

# ------------------------------------------------------------ scenarios
bench() { # label scenario flags...
	local label=$1
	shift
	log "$label: roost bench $*"
	timeout --signal=INT --kill-after=15 "$STEP_TIMEOUT" "${PIN_GEN[@]}" "$ROOST" bench "$@" \
		--addr "$BROKER_ADDR" --ca "$CA" --cert "$CLIENT_CERT" --key "$CLIENT_KEY" --server-name 127.0.0.1 \
		--tls-version "$TLS_VERSION" --sources "$SOURCES" --label "$label" --json "$RESULTS" \
		--client-id "bench-$label" --broker-pid "$BROKER_PID" | tee -a "$OUT/logs/bench-$label.txt" | grep -v '^{' >&2 ||
		log "$label: roost bench $1 failed (exit $?)"
}

# latency_together runs the latency scenario against every broker at the
# same time, each with its own generator. At 100 msgs/s a broker uses a few
# percent of a core, so they hardly compete; what they share is the
# machine's own stalls (on this VM, bursts of 100-300 ms in which every
# delivery is late), which then fall on every broker alike instead of on
# whichever happened to be running. The tail percentiles become comparable.
latency_together() { # round
	local rep=$1 b pids=() gens=()
	for b in $BROKERS; do
		start_broker "$b"
		pids+=("$BROKER_PID")
	done
	sleep 2 # past the brokers' start-up work: steady-state latency
	local i=0
	for b in $BROKERS; do
		BROKER_PID=${pids[$i]}
		BROKER_ADDR=127.0.0.1:$(broker_port "$b")
		bench "$b" latency --qos "$LAT_QOS" --publishers "$LAT_PUBLISHERS" --rate "$LAT_RATE" \
			--payload "$PAYLOAD" --duration "$LAT_DURATION" --trace "$OUT/latency-$b-$rep.trace" &
		gens+=("$!")
		i=$((i + 1))
	done
	wait "${gens[@]}" || true
	for BROKER_PID in "${pids[@]}"; do stop_broker; done
}

# Scenario by scenario, each broker in turn, so that whatever else the
# machine runs meanwhile weighs on every broker alike; REPEAT times.
for rep in $(seq "$REPEAT"); do
	[ "$REPEAT" -gt 1 ] && log "round $rep of $REPEAT"
	for s in $SCENARIOS; do
		for b in $BROKERS; do
			case $s in
			idle)
				for n in $IDLE_CONNS; do
					start_broker "$b"
					bench "$b" idle --conns "$n" --procs "$IDLE_PROCS" --settle "$IDLE_SETTLE" --keepalive 1200
					stop_broker
				done
				;;
			fanin)
				# A fresh broker for each QoS: a flat-out run leaves backlog behind.
				for q in $FANIN_QOS; do
					start_broker "$b"
					bench "$b" fanin --qos "$q" --publishers "$PUBLISHERS" --payload "$PAYLOAD" \
						--duration "$FANIN_DURATION" --window "$WINDOW" --rate "$FANIN_RATE"
					stop_broker
				done
				;;
			latency)
				if [ "$LAT_TOGETHER" = 1 ]; then
					[ "$b" = "${BROKERS%% *}" ] && latency_together "$rep"
					continue
				fi
				start_broker "$b"
				sleep 2 # past the broker's start-up work: steady-state latency
				bench "$b" latency --qos "$LAT_QOS" --publishers "$LAT_PUBLISHERS" --rate "$LAT_RATE" \
					--payload "$PAYLOAD" --duration "$LAT_DURATION" --trace "$OUT/latency-$b-$rep.trace"
				stop_broker
				;;
			connect)
				start_broker "$b"
				bench "$b" connect --connectors "$CONNECTORS" --duration "$CONNECT_DURATION"
				stop_broker
				;;
			*) echo "bench/run.sh: unknown scenario $s" >&2; exit 1 ;;
			esac
		done
	done
done

# ------------------------------------------------------------ summary
{
	echo "## Roost vs Mosquitto vs mochi-mqtt, mutual TLS on loopback"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -sr); generator and broker share the machine."
	echo "Fan-in: $PUBLISHERS publishers -> 1 wildcard subscriber, $PAYLOAD-byte payloads, $FANIN_DURATION, QoS 1 window $WINDOW."
	echo "Latency: QoS $LAT_QOS at $LAT_RATE msgs/s from $LAT_PUBLISHERS publishers, $LAT_DURATION."
	echo "Idle: RSS growth of a fresh broker (VmRSS, KB = 1024 bytes) per connection. Connect: $CONNECTORS connectors, $CONNECT_DURATION."
	echo "Mosquitto $("$MOSQUITTO" -h 2>/dev/null | head -1 | awk '{print $3}') with set_tcp_nodelay true (bench/mosquitto.conf); mochi-mqtt $(awk '/mochi-mqtt\/server/ {print $NF}' "$HERE/mochi/go.mod"). Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	"$ROOST" bench report --subject roost "$RESULTS"
	echo
	echo "Raw results: $RESULTS"
} | tee "$OUT/summary.md"
