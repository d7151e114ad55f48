#!/usr/bin/env python3
"""The seed 000 device flow (pubsub_simulated_temps) with Eclipse Paho for Python.

A device subscribes to its own temperature topic, publishes simulated
readings there and receives each back; it also asks for a filter its policy
refuses and, optionally, publishes where its policy refuses. Mutual TLS
with paho's tls_set (root CA, device certificate and key), and the MQTT
username the AWS IoT Device SDK sends (ignored on mutual TLS).

Each event is printed as one JSON object per line for the Go test
(paho_python_e2e_test.go) to check. Exit status: 0 when the flow ended,
2 on timeout.
"""

import argparse
import json
import random
import sys
import time

import paho.mqtt.client as mqtt


def emit(**event):
    print(json.dumps(event), flush=True)


def code(rc):
    """An int from a 3.1.1 return code or a 5.0 ReasonCodes object."""
    return getattr(rc, "value", rc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--topic", required=True, help="the device's own topic")
    ap.add_argument("--refused-filter", required=True, help="a filter the policy refuses")
    ap.add_argument("--refused-topic", help="publish here last, where the policy refuses")
    ap.add_argument("--protocol", choices=["3.1.1", "5"], default="3.1.1")
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=20)
    a = ap.parse_args()

    if a.protocol == "5":
        client = mqtt.Client(client_id=a.client_id, protocol=mqtt.MQTTv5)
    else:
        client = mqtt.Client(client_id=a.client_id, clean_session=True, protocol=mqtt.MQTTv311)
    client.username_pw_set("?SDK=PythonV2&Version=1.0")
    client.tls_set(ca_certs=a.ca, certfile=a.cert, keyfile=a.key)

    state = {"own_mid": None, "refused_mid": None, "subacks": 0, "received": 0,
             "refused_sent": False, "done": False}

    def on_connect(c, userdata, flags, rc, properties=None):
        emit(event="connack", rc=code(rc), session_present=int(flags.get("session present", 0)))
        if code(rc) != 0:
            state["done"] = True
            return
        state["own_mid"] = c.subscribe(a.topic, qos=1)[1]
        state["refused_mid"] = c.subscribe(a.refused_filter, qos=1)[1]

    def on_subscribe(c, userdata, mid, granted, properties=None):
        codes = [code(g) for g in granted]
        if mid == state["own_mid"]:
            emit(event="suback", filter=a.topic, codes=codes)
            for seq in range(a.count):
                payload = json.dumps({"temperature": round(random.uniform(15, 30), 1), "seq": seq})
                emit(event="publish", topic=a.topic, payload=payload)
                c.publish(a.topic, payload, qos=1)
        elif mid == state["refused_mid"]:
            emit(event="suback", filter=a.refused_filter, codes=codes)
        state["subacks"] += 1

    def on_message(c, userdata, msg):
        emit(event="message", topic=msg.topic, payload=msg.payload.decode(), qos=msg.qos)
        if msg.topic == a.topic:
            state["received"] += 1

    def on_disconnect(c, userdata, rc, properties=None):
        emit(event="disconnect", rc=code(rc))
        state["done"] = True

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.on_disconnect = on_disconnect
    client.connect(a.host, a.port, keepalive=30)

    deadline = time.monotonic() + a.timeout
    while not state["done"] and time.monotonic() < deadline:
        client.loop(timeout=0.1)
        if state["subacks"] == 2 and state["received"] >= a.count:
            if a.refused_topic and not state["refused_sent"]:
                emit(event="publish", topic=a.refused_topic, payload="forged")
                client.publish(a.refused_topic, "forged", qos=1)
                state["refused_sent"] = True  # the server closes the connection
            elif not a.refused_topic:
                client.disconnect()
    if not state["done"]:
        emit(event="timeout")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
