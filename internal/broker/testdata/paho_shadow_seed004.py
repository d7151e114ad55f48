#!/usr/bin/env python3
"""Seed 004's motion-sensor shadow script, with Eclipse Paho for Python.

As the seed writes it: client id "xinwenfu0", TLS 1.2 with the device
certificate, on connect a QoS 0 subscription to
$aws/things/IoT-motion-sensor/shadow/update/accepted, then a QoS 1 publish of
{"state":{"reported":{"motion": <0|1>, "time": "<Y/m/d H:M:S>"}}} to
$aws/things/IoT-motion-sensor/shadow/update in a loop. The GPIO motion
sensor is simulated and the loop stops after --count readings (the seed's
runs until Ctrl-C); the sleep between readings is --interval (1 s there).

Each event is printed as one JSON object per line for the Go test
(paho_python_e2e_test.go). Exit status: 0 when every reading was accepted,
2 on timeout.
"""

import argparse
import json
import ssl
import sys
import time
from datetime import datetime

import paho.mqtt.client as mqtt


def emit(**event):
    print(json.dumps(event), flush=True)


def main():
    ap = argparse.ArgumentParser()
    for flag in ("--host", "--ca", "--cert", "--key"):
        ap.add_argument(flag, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--thing", default="IoT-motion-sensor")
    ap.add_argument("--client-id", default="xinwenfu0")
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("--timeout", type=float, default=20)
    a = ap.parse_args()
    accepted_topic = "$aws/things/%s/shadow/update/accepted" % a.thing
    state = {"subscribed": False, "accepted": []}

    def on_connect(mqttc, obj, flags, rc):
        emit(event="connack", rc=rc)
        if rc == 0:
            mqttc.subscribe(accepted_topic, qos=0)

    def on_subscribe(mqttc, obj, mid, granted_qos):
        emit(event="suback", codes=list(granted_qos))
        state["subscribed"] = True

    def on_message(mqttc, obj, msg):
        emit(event="message", topic=msg.topic, payload=msg.payload.decode(), qos=msg.qos)
        if msg.topic == accepted_topic:
            state["accepted"].append(msg.payload)

    mqttc = mqtt.Client(client_id=a.client_id)
    mqttc.on_connect = on_connect
    mqttc.on_subscribe = on_subscribe
    mqttc.on_message = on_message
    mqttc.tls_set(ca_certs=a.ca, certfile=a.cert, keyfile=a.key,
                  tls_version=ssl.PROTOCOL_TLSv1_2, ciphers=None)
    mqttc.connect(a.host, port=a.port)
    mqttc.loop_start()

    deadline = time.monotonic() + a.timeout
    while not state["subscribed"] and time.monotonic() < deadline:
        time.sleep(0.01)
    sent = 0
    while sent < a.count and time.monotonic() < deadline:
        i = sent % 2  # the simulated sensor: 1 = motion detected, 0 = none
        data = {}
        data['motion'] = i
        data['time'] = datetime.now().strftime('%Y/%m/%d %H:%M:%S')
        payload = '{"state":{"reported":' + json.dumps(data) + '}}'
        emit(event="publish", payload=payload)
        msg_info = mqttc.publish("$aws/things/%s/shadow/update" % a.thing, payload, qos=1)
        msg_info.wait_for_publish()
        sent += 1
        time.sleep(a.interval)
    while len(state["accepted"]) < a.count and time.monotonic() < deadline:
        time.sleep(0.01)
    mqttc.loop_stop()
    mqttc.disconnect()
    if len(state["accepted"]) < a.count:
        emit(event="timeout")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
