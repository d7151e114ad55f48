#!/usr/bin/env bash
# bench/provision.sh: fleet provisioning by claim against a roost server in
# its own process, so that the server's CPU per provisioned device is
# measured apart from the devices' (on this machine both share the cores).
#
# It builds roost, starts `roost server` on loopback, sets up seed 000 through
# boto3 (thing type TemperatureSensor, the TemperatureSensorPolicy and
# IoT_Bootstrapping_Certificate policies, the SensorTemplate template, and an
# RSA-2048 claim certificate made by CreateKeysAndCertificate, as on AWS),
# then, REPEAT times, interleaved:
#
#   1. `roost bench connect` with the claim certificate: mTLS connects/s
#      (full handshake, CONNECT/CONNACK, DISCONNECT), the machine's limit;
#   2. `roost device simulate --csr`: COUNT devices by claim, CONCURRENCY at
#      a time (claim connect, CreateCertificateFromCsr, RegisterThing, connect
#      with the new certificate).
#
# Beside each rate it prints the server's CPU per operation (/proc/<pid>/stat)
# and the clients' (the children's rusage): the server's figure is what one
# server core costs per device when the devices are elsewhere, as in the
# field. Everything it starts it stops; every address is on loopback.
#
#   bench/provision.sh
#   COUNT=5000 REPEAT=3 bench/provision.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")

COUNT=${COUNT:-3000}                   # devices per simulate run
CONCURRENCY=${CONCURRENCY:-64}         # devices provisioning at once (issue 5's figure)
CONNECTORS=${CONNECTORS:-64}           # connect scenario: connections opened at once
CONNECT_DURATION=${CONNECT_DURATION:-10s}
REPEAT=${REPEAT:-1}
MQTT_PORT=${MQTT_PORT:-18893}
API_PORT=${API_PORT:-18450}
SOURCES=${SOURCES:-127.0.0.2-127.0.0.17}
RUN_TIMEOUT=${RUN_TIMEOUT:-900}        # seconds; the whole run is stopped after this
OUT=${OUT:-$HERE/results/provision-$(date -u +%Y%m%dT%H%M%SZ)}

for tool in go python3 timeout; do
	command -v "$tool" >/dev/null || { echo "bench/provision.sh: $tool is required" >&2; exit 2; }
done
python3 -c 'import boto3' 2>/dev/null || { echo "bench/provision.sh: python3 boto3 is required" >&2; exit 2; }

mkdir -p "$OUT/bin" "$OUT/claim"
log() { printf '== %s\n' "$*" >&2; }

SERVER=
WATCHDOG=
on_exit() {
	if [ -n "$SERVER" ]; then
		kill -TERM "$SERVER" 2>/dev/null || true
		wait "$SERVER" 2>/dev/null || true
	fi
	[ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null || true
}
trap on_exit EXIT
trap 'log "interrupted"; exit 130' INT TERM
# shellcheck source=bench/watchdog.sh
. "$HERE/watchdog.sh"
start_watchdog bench/provision.sh "$RUN_TIMEOUT"

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

log "building roost into $OUT/bin"
(cd "$ROOT" && go build -o "$OUT/bin/roost" ./cmd/roost)
ROOST=$OUT/bin/roost
DATA=$OUT/data

log "starting roost server (data in $DATA)"
"$ROOST" server --data-dir "$DATA" --api-addr "127.0.0.1:$API_PORT" --mqtt-addr "127.0.0.1:$MQTT_PORT" \
	--https-addr 127.0.0.1:0 --mqtt-publish-rate 0 --log-level warn --host localhost --host 127.0.0.1 \
	>"$OUT/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 150); do
	kill -0 "$SERVER" 2>/dev/null || { cat "$OUT/server.log" >&2; exit 1; }
	if (exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null && [ -s "$DATA/credentials" ]; then break; fi
	sleep 0.1
done

log "seed 000 set-up through boto3"
AWS_SHARED_CREDENTIALS_FILE=$DATA/credentials AWS_CONFIG_FILE=/dev/null \
	python3 - "http://127.0.0.1:$API_PORT" "$OUT/claim" <<'EOF'
import json, os, sys
import boto3

endpoint, out = sys.argv[1], sys.argv[2]
iot = boto3.client("iot", endpoint_url=endpoint, region_name="us-east-1")
kc = iot.create_keys_and_certificate(setAsActive=True)
_, _, _, region, account, _ = kc["certificateArn"].split(":", 5)
arn = f"arn:aws:iot:{region}:{account}:"
thing = "${iot:Connection.Thing.ThingName}"
own = f"temperature/${{iot:Connection.Thing.Attributes[BuildingName]}}/${{iot:Connection.Thing.Attributes[Location]}}/{thing}"
device = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "iot:Connect", "Resource": arn + "client/" + thing},
    {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"], "Resource": arn + "topic/" + own},
    {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": arn + "topicfilter/" + own}]}
api = ["$aws/certificates/create/*", "$aws/certificates/create-from-csr/*",
       "$aws/provisioning-templates/SensorTemplate/provision/*"]
claim = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"},
    {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"], "Resource": [arn + "topic/" + t for t in api]},
    {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": [arn + "topicfilter/" + t for t in api]}]}
iot.create_policy(policyName="TemperatureSensorPolicy", policyDocument=json.dumps(device))
iot.create_policy(policyName="IoT_Bootstrapping_Certificate", policyDocument=json.dumps(claim))
iot.attach_policy(policyName="IoT_Bootstrapping_Certificate", target=kc["certificateArn"])
iot.create_thing_type(thingTypeName="TemperatureSensor", thingTypeProperties={
    "searchableAttributes": ["BuildingName", "Location", "DeviceType"]})
template = {
    "Parameters": {"SerialNumber": {"Type": "String"}, "BuildingName": {"Type": "String"},
                   "Location": {"Type": "String"}, "AWS::IoT::Certificate::Id": {"Type": "String"}},
    "Resources": {
        "certificate": {"Type": "AWS::IoT::Certificate", "Properties": {
            "CertificateId": {"Ref": "AWS::IoT::Certificate::Id"}, "Status": "Active"}},
        "policy": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyName": "TemperatureSensorPolicy"}},
        "thing": {"Type": "AWS::IoT::Thing",
                  "OverrideSettings": {"AttributePayload": "MERGE", "ThingGroups": "DO_NOTHING", "ThingTypeName": "REPLACE"},
                  "Properties": {
                      "ThingName": {"Fn::Join": ["", ["sensor_", {"Ref": "SerialNumber"}]]},
                      "ThingTypeName": "TemperatureSensor", "ThingGroups": [],
                      "AttributePayload": {"DeviceType": "RaspberryPi", "ModelNumber": "3",
                                           "BuildingName": {"Ref": "BuildingName"}, "Location": {"Ref": "Location"}}}}}}
iot.create_provisioning_template(templateName="SensorTemplate", templateBody=json.dumps(template), enabled=True,
                                 provisioningRoleArn=f"arn:aws:iam::{account}:role/Roost_Provisioning")
for name, text in (("claim.pem", kc["certificatePem"]), ("claim.key", kc["keyPair"]["PrivateKey"])):
    fd = os.open(os.path.join(out, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
EOF

TICK=$(getconf CLK_TCK)
server_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
children_ticks() { awk '{print $16 + $17}' "/proc/$$/stat"; }
RESULTS=$OUT/results.tsv
printf 'round\tmeasure\tops\tseconds\tserver_cpu_s\tclient_cpu_s\n' >"$RESULTS"

# connects ROUND: the connect scenario's own figures over its window
# (with --broker-pid it reads the server's CPU over the same window).
connects() {
	local j=$OUT/connect-$1.jsonl
	timeout --kill-after=15 180 "$ROOST" bench connect --addr "127.0.0.1:$MQTT_PORT" --ca "$DATA/ca.pem" \
		--cert "$OUT/claim/claim.pem" --key "$OUT/claim/claim.key" --server-name 127.0.0.1 \
		--connectors "$CONNECTORS" --duration "$CONNECT_DURATION" --sources "$SOURCES" --label roost \
		--client-id "hs-$1" --broker-pid "$SERVER" --json "$j" >"$OUT/connect-$1.txt"
	python3 - "$1" "$j" >>"$RESULTS" <<'PY'
import json, sys
r = json.loads(open(sys.argv[2]).readline())
print(f"{sys.argv[1]}\tconnect\t{r['connects']}\t{r['duration_s']:.3f}\t{r['broker_cpu_s']:.2f}\t{r['gen_cpu_s']:.2f}")
PY
}

# provision ROUND: COUNT devices by claim. Its row has the run's wall time
# and the CPU used over it by the server and by the clients (this shell's
# waited-for children).
provision() {
	local out=$OUT/simulate-$1.txt s0 c0 t0 s1 c1 t1 ok failed
	s0=$(server_ticks) c0=$(children_ticks) t0=$(date +%s%N)
	timeout --kill-after=15 600 "$ROOST" device simulate --endpoint "127.0.0.1:$MQTT_PORT" --ca "$DATA/ca.pem" \
		--claim-cert "$OUT/claim/claim.pem" --claim-key "$OUT/claim/claim.key" --template SensorTemplate \
		--param BuildingName=bench --param Location=rack --serial-prefix "r$1-" --csr \
		--count "$COUNT" --concurrency "$CONCURRENCY" --log-level warn >"$out" 2>/dev/null || true
	t1=$(date +%s%N) s1=$(server_ticks) c1=$(children_ticks)
	read -r ok failed < <(sed -n 's/^provisioned \([0-9]*\), failed \([0-9]*\).*/\1 \2/p' "$out") || true
	[ "${failed:-x}" = 0 ] || { log "simulate round $1 failed"; cat "$out" >&2; exit 1; }
	awk -v r="$1" -v n="$ok" -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" -v c0="$c0" -v c1="$c1" -v hz="$TICK" \
		'BEGIN { printf "%s\tprovision\t%s\t%.3f\t%.2f\t%.2f\n", r, n, (t1-t0)/1e9, (s1-s0)/hz, (c1-c0)/hz }' >>"$RESULTS"
}

for round in $(seq "$REPEAT"); do
	log "round $round of $REPEAT: connects with the claim certificate ($CONNECTORS at once, $CONNECT_DURATION)"
	connects "$round"
	log "round $round of $REPEAT: $COUNT devices by claim with --csr, $CONCURRENCY at once"
	provision "$round"
done

# Medians over the rounds of each measure.
python3 - "$RESULTS" "$(nproc)" <<'EOF' | tee "$OUT/summary.md"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
cores = int(sys.argv[2])
def med(name, f):
    return statistics.median(f(r) for r in rows if r["measure"] == name)
rate = lambda r: int(r["ops"]) / float(r["seconds"])
srv = lambda r: 1000 * float(r["server_cpu_s"]) / int(r["ops"])
cli = lambda r: 1000 * float(r["client_cpu_s"]) / int(r["ops"])
c_rate, p_rate = med("connect", rate), med("provision", rate)
c_srv, p_srv = med("connect", srv), med("provision", srv)
c_cli, p_cli = med("connect", cli), med("provision", cli)
n = sum(r["measure"] == "connect" for r in rows)
print(f"Fleet provisioning by claim against `roost server` in its own process ({cores} cores shared with the clients; medians of {n} rounds)\n")
print("| measure | per second | server CPU ms each | clients' CPU ms each | server-bound per core |")
print("|---|--:|--:|--:|--:|")
print(f"| mTLS connects, claim certificate (RSA-2048) | {c_rate:,.0f} | {c_srv:.2f} | {c_cli:.2f} | {1000/c_srv:,.0f}/s |")
print(f"| devices provisioned (--csr, flow of 2 connects) | {p_rate:,.0f} | {p_srv:.2f} | {p_cli:.2f} | {1000/p_srv:,.0f}/s |")
print(f"\ndevices/s = {100*p_rate/c_rate:.0f}% of connects/s on this box; on the server's CPU alone a device costs {p_srv/c_srv:.1f} connects.")
EOF
