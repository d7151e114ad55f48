#!/usr/bin/env bash
# End-to-end test of a real roost binary driven by the real AWS CLI and boto3.
#
#   scripts/e2e.sh [path/to/roost]        (make e2e builds ./roost and runs this)
#
# It starts the server on a temporary data directory and a free port, replays
# the seed 000 walkthrough (Raspberry Pi temperature fleet: thing type
# TemperatureSensor, a sensor_<id> thing, the bootstrap certificate and the
# IoT_Bootstrapping_Certificate policy) with the aws CLI, checks the AWS
# errors a user meets on the way, runs scripts/e2e/seed000_boto3.py for the
# same walkthrough through boto3, then restarts the server on the same data
# directory and checks that nothing was lost or regenerated.
#
# Each check prints PASS/FAIL; the last line is `e2e: N passed, M failed` and
# the exit status is non-zero when anything failed. Works with aws CLI v1 and v2.
set -euo pipefail

# The whole run is bounded: re-run ourselves under timeout. --foreground
# keeps everything in the caller's process group (Ctrl-C reaches the server
# too); on expiry the script gets SIGTERM, its trap stops the server and
# cleans up once the current call (itself bounded) returns.
E2E_TIMEOUT=${E2E_TIMEOUT:-115}
if [ -z "${ROOST_E2E_UNDER_TIMEOUT:-}" ]; then
  ROOST_E2E_UNDER_TIMEOUT=1 exec timeout --foreground -k 30 "$E2E_TIMEOUT" bash "$0" "$@"
fi

bin=${1:-./roost}
here=$(cd "$(dirname "$0")" && pwd)
region=us-west-2
account=123456789012
call_timeout=20 # seconds, per aws CLI call

for tool in aws python3 timeout; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool is required" >&2; exit 2; }
done
# A pyenv shim costs ~0.5s per call: resolve it once to the real script.
aws_bin=$(command -v aws)
case $aws_bin in
*/shims/aws) aws_bin=$(pyenv which aws 2>/dev/null || echo "$aws_bin") ;;
esac
[ -x "$bin" ] || { echo "e2e: $bin is not an executable (build it with: make build)" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/roost-e2e.XXXXXX")
data=$tmp/data
pid=
started=$(date +%s)
cleanup() {
  local rc=$?
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  local passed=0 failed=0
  if [ -f "$tmp/results" ]; then
    passed=$(grep -c '^P$' "$tmp/results" || true)
    failed=$(grep -c '^F$' "$tmp/results" || true)
  fi
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "FAIL: the e2e script stopped early (status $rc)"
    failed=1
  fi
  if [ "$failed" -ne 0 ] && [ -s "$tmp/server.err" ]; then
    echo "--- server log: errors and warnings (last 20) ---"
    grep -E 'level=(ERROR|WARN)' "$tmp/server.err" | tail -n 20 || true
  fi
  rm -rf "$tmp"
  echo "e2e: took $(($(date +%s) - started))s"
  echo "e2e: $passed passed, $failed failed"
  [ "$failed" -eq 0 ] || exit 1
  exit 0
}
trap cleanup EXIT
trap 'echo "e2e: terminated (time limit ${E2E_TIMEOUT}s?)"; exit 124' TERM
trap 'echo "e2e: interrupted"; exit 130' INT

# Nothing from the caller's AWS setup may leak in: only the server's
# credentials file (which also carries region and endpoint_url) is used.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_PROFILE \
  AWS_DEFAULT_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_IOT \
  AWS_CA_BUNDLE AWS_CLI_AUTO_PROMPT AWS_DEFAULT_OUTPUT AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE
export AWS_CONFIG_FILE=$tmp/aws-config    # never created: no user config
export AWS_SHARED_CREDENTIALS_FILE=$data/credentials
export AWS_PAGER=""                       # aws v2: no pager
export AWS_MAX_ATTEMPTS=1                 # no client retries: a flaky server must show
export AWS_EC2_METADATA_DISABLED=true

# ---------------------------------------------------------------- reporting
# Results go to a file so that checks made inside $(...) count too; the
# PASS/FAIL lines go to fd 3, the script's stdout.
exec 3>&1
results=$tmp/results
: >"$results"
pass() { echo "PASS: $*" >&3; echo P >>"$results"; }
fail() { echo "FAIL: $*" >&3; echo F >>"$results"; }

# check WHAT WANT GOT: equality.
check() {
  if [[ $3 == "$2" ]]; then pass "$1"; else fail "$1 (want '$2', got '$3')"; fi
}
# check_match WHAT REGEX GOT: extended-regex match.
check_match() {
  if [[ $3 =~ $2 ]]; then pass "$1"; else fail "$1 (want /$2/, got '$3')"; fi
}
# check_true WHAT COMMAND...: the command succeeds.
check_true() {
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}

# ---------------------------------------------------------------- aws CLI
url=
iot() { timeout --foreground "$call_timeout" "$aws_bin" --endpoint-url "$url" iot "$@"; }

# q ARGS...: an iot call that must succeed; prints its stdout. A failure is
# a FAIL (with the CLI's error) and prints nothing.
q() {
  local err=$tmp/q.err
  if ! iot "$@" 2>"$err"; then
    fail "aws iot $1 failed: $(tr '\n' ' ' <"$err" | cut -c1-300)"
  fi
  return 0
}
# ok WHAT ARGS...: an iot call that must succeed (output ignored).
ok() {
  local what=$1; shift
  local err=$tmp/ok.err
  if iot "$@" >/dev/null 2>"$err"; then pass "$what"; else fail "$what: $(tr '\n' ' ' <"$err" | cut -c1-300)"; fi
}
# expect_error WHAT EXCEPTION ARGS...: the call must fail (non-zero exit) with
# the AWS exception name in the CLI's error message.
expect_error() {
  local what=$1 exc=$2; shift 2
  local err=$tmp/expect.err rc=0
  iot "$@" >/dev/null 2>"$err" || rc=$?
  if [ "$rc" -eq 0 ]; then
    fail "$what: expected $exc, but the call succeeded"
  elif grep -q "($exc)" "$err"; then
    pass "$what -> $exc (exit $rc)"
  else
    fail "$what: expected $exc, got exit $rc: $(tr '\n' ' ' <"$err" | cut -c1-300)"
  fi
}

section() { echo "== $* (t+$(($(date +%s) - started))s)"; }
mode_of() { python3 -c 'import os,sys; print(format(os.stat(sys.argv[1]).st_mode & 0o777, "o"))' "$1"; }

# ---------------------------------------------------------------- server
port=0
# The device gateway (MQTT) listens on :8883 by default: give it a free
# loopback port instead, so that runs never collide.
extra_flags=()
if "$bin" server --help 2>&1 | grep -q -- '--mqtt-addr'; then extra_flags+=(--mqtt-addr 127.0.0.1:0); fi
if "$bin" server --help 2>&1 | grep -q -- '--https-addr'; then extra_flags+=(--https-addr 127.0.0.1:0); fi
# start_server: runs the binary on $data and 127.0.0.1:$port, then polls its
# banner until it names the API URL.
start_server() {
  : >"$tmp/server.out"
  "$bin" server --data-dir "$data" --api-addr "127.0.0.1:$port" --region "$region" --account-id "$account" \
    ${extra_flags[@]+"${extra_flags[@]}"} >"$tmp/server.out" 2>>"$tmp/server.err" &
  pid=$!
  local i
  for i in $(seq 200); do # up to 20s
    if grep -q 'API (AWS' "$tmp/server.out" 2>/dev/null; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/server.out" | head -n 1 || true)
  if [ -z "$url" ]; then
    fail "server did not come up"
    cat "$tmp/server.out" "$tmp/server.err" >&3
    return 1
  fi
  port=${url##*:}
  pass "server is up at $url"
}
# stop_server: SIGTERM, then poll until the process is gone.
stop_server() {
  kill -TERM "$pid" 2>/dev/null || fail "server was no longer running when sent SIGTERM"
  local i rc=0
  for i in $(seq 100); do # up to 10s
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    fail "server still running 10s after SIGTERM"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" || rc=$?
  pid=
  check "server exits with status 0 on SIGTERM" 0 "$rc"
}

echo "e2e: $("$aws_bin" --version 2>&1 | head -n 1); python3 $(python3 -c 'import boto3; print("boto3", boto3.__version__)')"

# ================================================================ 1. start
section "start roost"
start_server
sed 's/^/   | /' "$tmp/server.out"
check_match "banner names region and account" "region $region, account $account" "$(cat "$tmp/server.out")"
check_match "banner says first start" "first start" "$(head -n 1 "$tmp/server.out")"
device_endpoint=$(sed -n 's/^ *Device endpoint: *\([^ ]*\).*/\1/p' "$tmp/server.out") # host only
creds=$(cat "$data/credentials")
check_match "credentials file has a [default] access key" $'\\[default\\]\naws_access_key_id = [A-Z0-9]{16,}\naws_secret_access_key = [^\n]+' "$creds"
check_match "credentials file names region $region" $'\nregion = us-west-2\n' "$creds"
check_match "credentials file names endpoint_url" "endpoint_url = $url" "$creds"
check "list-things on a fresh server is empty" 0 "$(q list-things --query 'length(things)' --output text)"

# ================================================================ 2. seed 000 setup
section "seed 000 setup with the aws CLI"
thing=sensor_$(python3 -c 'import uuid; print(uuid.uuid4().hex[:16])')
ttype=TemperatureSensor
policy=IoT_Bootstrapping_Certificate
attrs='{"attributes":{"BuildingName":"home417","Location":"loft","DeviceType":"RaspberryPi","ModelNumber":"3"}}'

out=$(q create-thing-type --thing-type-name "$ttype" \
  --thing-type-properties '{"searchableAttributes":["BuildingName","Location"]}' \
  --query '[thingTypeName,thingTypeArn]' --output text)
check "create-thing-type returns name and ARN" "$ttype	arn:aws:iot:$region:$account:thingtype/$ttype" "$out"
out=$(q describe-thing-type --thing-type-name "$ttype" --query \
  '[thingTypeArn,join(`,`,thingTypeProperties.searchableAttributes),thingTypeMetadata.deprecated,thingTypeMetadata.creationDate != null]' \
  --output text)
check "describe-thing-type: ARN, searchable attributes, not deprecated, has a creationDate" \
  "arn:aws:iot:$region:$account:thingtype/$ttype	BuildingName,Location	False	True" "$out"

out=$(q create-thing --thing-name "$thing" --thing-type-name "$ttype" --attribute-payload "$attrs" \
  --query '[thingName,thingArn,thingId]' --output text)
thing_arn=arn:aws:iot:$region:$account:thing/$thing
check "create-thing returns name and ARN" "$thing	$thing_arn" "$(cut -f1,2 <<<"$out")"
thing_id=$(cut -f3 <<<"$out")
check_match "create-thing returns a thingId" '^[0-9a-f-]{8,}$' "$thing_id"
out=$(q create-thing --thing-name "$thing" --thing-type-name "$ttype" --attribute-payload "$attrs" --query thingId --output text)
check "create-thing again with the same config is idempotent (same thingId)" "$thing_id" "$out"

describe_thing() {
  q describe-thing --thing-name "$thing" --query \
    '[thingName,defaultClientId,thingId,thingArn,thingTypeName,attributes.BuildingName,attributes.Location,attributes.DeviceType,attributes.ModelNumber,length(keys(attributes)),to_string(version)]' \
    --output text
}
thing_described="$thing	$thing	$thing_id	$thing_arn	$ttype	home417	loft	RaspberryPi	3	4	1"
check "describe-thing: name, defaultClientId, id, ARN, type, 4 attributes, version 1" "$thing_described" "$(describe_thing)"

# The bootstrap certificate ("One-click certificate creation" + Activate).
out=$(q create-keys-and-certificate --set-as-active \
  --certificate-pem-outfile "$tmp/cert.pem" --public-key-outfile "$tmp/public.key" --private-key-outfile "$tmp/private.key" \
  --query '[certificateArn,certificateId]' --output text)
cert_arn=$(cut -f1 <<<"$out")
cert_id=$(cut -f2 <<<"$out")
check_match "certificateId is 64 hex digits" '^[0-9a-f]{64}$' "$cert_id"
check "certificateArn is ...:cert/<certificateId>" "arn:aws:iot:$region:$account:cert/$cert_id" "$cert_arn"
check "private key file is an RSA private key PEM (header)" "-----BEGIN RSA PRIVATE KEY-----" "$(head -n 1 "$tmp/private.key" 2>/dev/null)"
check "private key file is an RSA private key PEM (footer)" "-----END RSA PRIVATE KEY-----" "$(grep -v '^$' "$tmp/private.key" 2>/dev/null | tail -n 1)"
check "public key file is a PEM public key" "-----BEGIN PUBLIC KEY-----" "$(head -n 1 "$tmp/public.key" 2>/dev/null)"
check "certificate file is a PEM certificate" "-----BEGIN CERTIFICATE-----" "$(head -n 1 "$tmp/cert.pem" 2>/dev/null)"
if command -v openssl >/dev/null; then
  check_true "openssl: private key parses as RSA" openssl rsa -in "$tmp/private.key" -check -noout
  check "openssl: certificate public key matches the private key" \
    "$(openssl pkey -in "$tmp/private.key" -pubout 2>/dev/null)" "$(openssl x509 -in "$tmp/cert.pem" -noout -pubkey 2>/dev/null)"
  check_true "openssl: certificate verifies against the data dir's ca.pem" openssl verify -CAfile "$data/ca.pem" "$tmp/cert.pem"
else
  echo "SKIP: openssl not installed, key/certificate checks skipped" >&3
fi

out=$(q describe-certificate --certificate-id "$cert_id" \
  --query 'certificateDescription.[certificateId,certificateArn,status,ownedBy,creationDate != null]' --output text)
check "describe-certificate: id, ARN, ACTIVE, ownedBy account, has a creationDate" "$cert_id	$cert_arn	ACTIVE	$account	True" "$out"
q describe-certificate --certificate-id "$cert_id" --query certificateDescription.certificatePem --output text >"$tmp/described.pem"
check "describe-certificate certificatePem is the PEM create-keys-and-certificate wrote" \
  "$(grep -v '^$' "$tmp/cert.pem")" "$(grep -v '^$' "$tmp/described.pem")"
check_match "list-certificates lists it as ACTIVE" "$cert_id	ACTIVE" \
  "$(q list-certificates --query 'certificates[].[certificateId,status]' --output text)"

# The IoT_Bootstrapping_Certificate policy, as the seed writes it.
cat >"$tmp/policy.json" <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"},
    {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"],
     "Resource": "arn:aws:iot:$region:$account:topic/\$aws/certificates/create/*"},
    {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"],
     "Resource": "arn:aws:iot:$region:$account:topic/\$aws/provisioning-templates/SensorTemplate/provision/*"},
    {"Effect": "Allow", "Action": "iot:Subscribe",
     "Resource": "arn:aws:iot:$region:$account:topicfilter/\$aws/certificates/create/*"},
    {"Effect": "Allow", "Action": "iot:Subscribe",
     "Resource": "arn:aws:iot:$region:$account:topicfilter/\$aws/provisioning-templates/SensorTemplate/provision/*"}
  ]
}
EOF
policy_arn=arn:aws:iot:$region:$account:policy/$policy
out=$(q create-policy --policy-name "$policy" --policy-document "file://$tmp/policy.json" \
  --query '[policyName,policyArn,policyVersionId]' --output text)
check "create-policy returns name, ARN, version 1" "$policy	$policy_arn	1" "$out"
check_policy() { # $1: label suffix
  local out
  out=$(q get-policy --policy-name "$policy" --output json)
  check "get-policy: name, ARN, default version 1, policyDocument is the one sent (as JSON)$1" "$policy	$policy_arn	1	True" \
    "$(python3 -c 'import json, sys
p = json.loads(sys.argv[1] or "{}")
doc = json.loads(p.get("policyDocument") or "null")
print(p.get("policyName"), p.get("policyArn"), p.get("defaultVersionId"), doc == json.load(open(sys.argv[2])), sep="\t")' \
      "$out" "$tmp/policy.json")"
}
check_policy ""

ok "attach-policy $policy to the certificate ARN" attach-policy --policy-name "$policy" --target "$cert_arn"
ok "attach-thing-principal (thing <- certificate)" attach-thing-principal --thing-name "$thing" --principal "$cert_arn"

# Read everything back.
check_relations() { # $1: label suffix
  check "list-thing-principals$1" "$cert_arn" "$(q list-thing-principals --thing-name "$thing" --query 'principals' --output text)"
  check "list-principal-things$1" "$thing" "$(q list-principal-things --principal "$cert_arn" --query 'things' --output text)"
  # ListAttachedPolicies carries the target ARN in the URL path, percent-encoded.
  check "list-attached-policies (ARN target in the path)$1" "$policy	$policy_arn" \
    "$(q list-attached-policies --target "$cert_arn" --query 'policies[].[policyName,policyArn]' --output text)"
  check "list-targets-for-policy$1" "$cert_arn" "$(q list-targets-for-policy --policy-name "$policy" --query 'targets' --output text)"
}
check_relations ""
check "list-things --attribute-name BuildingName --attribute-value home417" "$thing" \
  "$(q list-things --attribute-name BuildingName --attribute-value home417 --query 'things[].thingName' --output text)"
check "list-things --attribute-name Location --attribute-value loft: name, type, attributes" \
  "$thing	$ttype	$thing_arn	RaspberryPi" \
  "$(q list-things --attribute-name Location --attribute-value loft --query 'things[].[thingName,thingTypeName,thingArn,attributes.DeviceType]' --output text)"
check "list-things --attribute-value downstairs matches nothing" 0 \
  "$(q list-things --attribute-name Location --attribute-value downstairs --query 'length(things)' --output text)"
check "list-things --thing-type-name $ttype" "$thing" \
  "$(q list-things --thing-type-name "$ttype" --query 'things[].thingName' --output text)"
check "describe-endpoint --endpoint-type iot:Data-ATS is the banner's device endpoint" "$device_endpoint" \
  "$(q describe-endpoint --endpoint-type iot:Data-ATS --query endpointAddress --output text)"

# ================================================================ 3. errors
section "errors with the aws CLI"
expect_error "describe-thing of a missing thing" ResourceNotFoundException describe-thing --thing-name sensor_does_not_exist
expect_error "create-thing of an existing name with different attributes" ResourceAlreadyExistsException \
  create-thing --thing-name "$thing" --thing-type-name "$ttype" \
  --attribute-payload '{"attributes":{"BuildingName":"home418","Location":"loft","DeviceType":"RaspberryPi","ModelNumber":"3"}}'
check "the refused create-thing changed nothing" "$thing_described" "$(describe_thing)"
expect_error "create-policy with a truncated JSON document" MalformedPolicyException \
  create-policy --policy-name Malformed_Policy --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
expect_error "create-policy with Effect Maybe" MalformedPolicyException \
  create-policy --policy-name Malformed_Policy --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"iot:Connect","Resource":"*"}]}'
expect_error "get-policy of the refused policy" ResourceNotFoundException get-policy --policy-name Malformed_Policy
expect_error "delete-certificate of the ACTIVE certificate" CertificateStateException delete-certificate --certificate-id "$cert_id"
ok "update-certificate --new-status INACTIVE" update-certificate --certificate-id "$cert_id" --new-status INACTIVE
expect_error "delete-certificate of the INACTIVE certificate with a thing and a policy attached" DeleteConflictException \
  delete-certificate --certificate-id "$cert_id"
check "the refused delete-certificate kept the certificate (INACTIVE)" INACTIVE \
  "$(q describe-certificate --certificate-id "$cert_id" --query certificateDescription.status --output text)"
check "the refused delete-certificate kept the thing attachment" "$cert_arn" \
  "$(q list-thing-principals --thing-name "$thing" --query 'principals' --output text)"
check "the refused delete-certificate kept the policy attachment" "$policy" \
  "$(q list-attached-policies --target "$cert_arn" --query 'policies[].policyName' --output text)"
ok "update-certificate --new-status ACTIVE (the bootstrap certificate is active again)" \
  update-certificate --certificate-id "$cert_id" --new-status ACTIVE

# Signed with the admin key id but a wrong secret; then with an unknown key id.
access_key=$(sed -n 's/^aws_access_key_id = //p' "$data/credentials")
cat >"$tmp/bad-credentials" <<EOF
[default]
aws_access_key_id = $access_key
aws_secret_access_key = wrong0secret0wrong0secret0wrong0secret00
region = $region
[unknown]
aws_access_key_id = AKIAE2EUNKNOWNKEY000
aws_secret_access_key = wrong0secret0wrong0secret0wrong0secret00
region = $region
EOF
AWS_SHARED_CREDENTIALS_FILE=$tmp/bad-credentials expect_error "list-things signed with a wrong secret" InvalidSignatureException list-things
AWS_SHARED_CREDENTIALS_FILE=$tmp/bad-credentials expect_error "list-things signed with an unknown access key" UnrecognizedClientException list-things --profile unknown

# ---------------------------------------------------------------- provisioning templates
section "provisioning templates: seed 000's SensorTemplate"
tbody="$here/../internal/provisioning/template/testdata/golden/seed000_sensor.template.json"
role=arn:aws:iam::$account:role/Provisioning
check "create-provisioning-template SensorTemplate" "SensorTemplate	1	arn:aws:iot:$region:$account:provisioningtemplate/SensorTemplate" \
  "$(q create-provisioning-template --template-name SensorTemplate --template-body "file://$tbody" \
      --provisioning-role-arn "$role" --enabled --query '[templateName,defaultVersionId,templateArn]' --output text)"
check "describe-provisioning-template: enabled, fleet provisioning, version 1, role" "True	FLEET_PROVISIONING	1	$role" \
  "$(q describe-provisioning-template --template-name SensorTemplate --query '[enabled,type,defaultVersionId,provisioningRoleArn]' --output text)"
check "describe-provisioning-template returns the body as stored" "$(python3 -c 'import sys,json; print(json.dumps(json.load(open(sys.argv[1])), sort_keys=True))' "$tbody")" \
  "$(q describe-provisioning-template --template-name SensorTemplate --query templateBody --output text | python3 -c 'import sys,json; print(json.dumps(json.load(sys.stdin), sort_keys=True))')"
expect_error "create-provisioning-template again" ResourceAlreadyExistsException create-provisioning-template \
  --template-name SensorTemplate --template-body "file://$tbody" --provisioning-role-arn "$role"
expect_error "create-provisioning-template with a malformed body" InvalidRequestException create-provisioning-template \
  --template-name Broken --template-body '{"Resources":' --provisioning-role-arn "$role"
expect_error "create-provisioning-template with a Lambda hook (Roost calls HTTP hooks)" InvalidRequestException create-provisioning-template \
  --template-name LambdaHook --template-body "file://$tbody" --provisioning-role-arn "$role" \
  --pre-provisioning-hook "targetArn=arn:aws:lambda:$region:$account:function:hook"
expect_error "describe-provisioning-template of an unknown template" ResourceNotFoundException describe-provisioning-template --template-name Nope
check "create-provisioning-template-version --set-as-default" "2	True" \
  "$(q create-provisioning-template-version --template-name SensorTemplate --template-body "file://$tbody" --set-as-default --query '[versionId,isDefaultVersion]' --output text)"
check "list-provisioning-template-versions" "1 False 2 True" \
  "$(q list-provisioning-template-versions --template-name SensorTemplate --query 'versions[].[versionId,isDefaultVersion]' --output text | tr '\t\n' '  ' | sed 's/ $//')"
expect_error "delete-provisioning-template-version of the default version" DeleteConflictException \
  delete-provisioning-template-version --template-name SensorTemplate --version-id 2
ok "update-provisioning-template --default-version-id 1 --no-enabled" update-provisioning-template --template-name SensorTemplate --default-version-id 1 --no-enabled
check "describe-provisioning-template after the update" "False	1" \
  "$(q describe-provisioning-template --template-name SensorTemplate --query '[enabled,defaultVersionId]' --output text)"
ok "delete-provisioning-template-version 2" delete-provisioning-template-version --template-name SensorTemplate --version-id 2
ok "update-provisioning-template --enabled" update-provisioning-template --template-name SensorTemplate --enabled
check "list-provisioning-templates" "SensorTemplate	True	FLEET_PROVISIONING" \
  "$(q list-provisioning-templates --query 'templates[].[templateName,enabled,type]' --output text)"
claim_id=$(q create-provisioning-claim --template-name SensorTemplate --query certificateId --output text)
check_match "create-provisioning-claim returns a certificate id" '^[0-9a-f]{64}$' "$claim_id"
check "the claim certificate is not in list-certificates" 0 \
  "$(q list-certificates --query "length(certificates[?certificateId=='$claim_id'])" --output text)"
check "the claim certificate carries the template's claim policy" RoostProvisioningClaim-SensorTemplate \
  "$(q list-attached-policies --target "arn:aws:iot:$region:$account:cert/$claim_id" --query 'policies[].policyName' --output text)"

# ================================================================ 4. boto3
section "seed 000 with boto3 (scripts/e2e/seed000_boto3.py)"
boto3_run() { # $1: setup|verify
  local rc=0
  timeout --foreground 45 python3 "$here/e2e/seed000_boto3.py" "$1" --endpoint-url "$url" --region "$region" \
    --account-id "$account" --state "$tmp/boto3-state.json" >"$tmp/boto3.out" 2>&1 || rc=$?
  cat "$tmp/boto3.out" >&3
  # Its PASS/FAIL lines count as ours; its last line is its own summary.
  grep -E '^(PASS|FAIL): ' "$tmp/boto3.out" | cut -c1 >>"$results" || true
  if ! grep -q "^boto3 $1: .* passed, .* failed$" "$tmp/boto3.out"; then
    fail "boto3 $1 did not run to the end (exit status $rc)"
  fi
  return 0
}
boto3_run setup

# ================================================================ 5. restart
section "restart on the same data directory"
for f in credentials ca.pem ca.key server.pem server.key; do cp -p "$data/$f" "$tmp/before.$f"; done
stop_server
start_server # same data dir, same port (so the credentials file's endpoint_url is unchanged)
if grep -q 'first start' "$tmp/server.out"; then fail "banner says first start again"; else pass "banner does not say first start"; fi
for f in credentials ca.pem ca.key server.pem server.key; do
  check_true "$f is byte-identical after the restart (not regenerated)" cmp -s "$tmp/before.$f" "$data/$f"
done
# Private material: every *.key (ca.key, server.key, ...), the admin
# credentials, and the database (it holds the admin secret).
for f in "$data"/*.key "$data/credentials" "$data/roost.db"; do
  check "$(basename "$f") is mode 0600" 600 "$(mode_of "$f")"
done
check "data directory is mode 0700" 700 "$(mode_of "$data")"

check "describe-thing after restart" "$thing_described" "$(describe_thing)"
check "describe-thing-type after restart" "BuildingName,Location	False" \
  "$(q describe-thing-type --thing-type-name "$ttype" --query '[join(`,`,thingTypeProperties.searchableAttributes),thingTypeMetadata.deprecated]' --output text)"
check "describe-certificate after restart: ACTIVE" "$cert_id	ACTIVE" \
  "$(q describe-certificate --certificate-id "$cert_id" --query 'certificateDescription.[certificateId,status]' --output text)"
check_policy " after restart"
check_relations " after restart"
boto3_run verify

# ================================================================ 6. done
stop_server
# The EXIT trap prints the closing line and sets the exit status.
