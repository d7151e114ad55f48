#!/usr/bin/env bash
# Installs what the tests need when it is missing: real clients (mosquitto,
# the aws CLI, boto3, Python paho, curl) from apt, and the AWS IoT Device SDK
# v2 for JavaScript from npm. Run by `make test`; apt needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v aws >/dev/null 2>&1 || need+=(awscli)
command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto-clients)
python3 -c 'import boto3' >/dev/null 2>&1 || need+=(python3-boto3)
/usr/bin/python3 -c 'import paho.mqtt' >/dev/null 2>&1 || need+=(python3-paho-mqtt)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "deps: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}"
fi

# AWS IoT Device SDK v2 (JavaScript) for internal/broker/sdkjs_e2e_test.go.
if [ ! -d internal/broker/testdata/sdkjs/node_modules/aws-iot-device-sdk-v2 ]; then
  (cd internal/broker/testdata/sdkjs && npm ci --no-audit --no-fund)
fi
