#!/usr/bin/env bash
# Placeholder until the CLI/boto3 e2e lands: checks the binary starts and answers the AWS CLI.
set -euo pipefail
bin=${1:-./roost}
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
"$bin" server --data-dir "$dir/data" --api-addr 127.0.0.1:0 >"$dir/out" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'API (AWS' "$dir/out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/out" | head -1)
AWS_SHARED_CREDENTIALS_FILE="$dir/data/credentials" aws --endpoint-url "$url" iot list-things >/dev/null
echo "e2e: 1 passed, 0 failed"
