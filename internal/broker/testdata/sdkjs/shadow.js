#!/usr/bin/env node
// Device-shadow round trips with the AWS IoT Device SDK v2 for JavaScript
// (aws-iot-device-sdk-v2, iotshadow.IotShadowClient over an MQTT 3.1.1
// mutual-TLS connection), as a device would run them against AWS IoT Core.
// Run by internal/broker/sdkjs_e2e_test.go; install with `npm ci` here first.
//
//   node shadow.js --endpoint 127.0.0.1 --port 8883 --ca ca.pem \
//       --cert dev.pem --key dev.key --thing bulb-js [--timeout-ms 30000]
//
// Each flag may instead come from the environment: SHADOW_ENDPOINT,
// SHADOW_PORT, SHADOW_CA, SHADOW_CERT, SHADOW_KEY, SHADOW_THING,
// SHADOW_TIMEOUT_MS. The client id is the thing name.
//
// It prints one JSON line on stdout: {"ok":true,...} and exits 0, or
// {"ok":false,"error":"..."} (the message also on stderr) and exits 1; it
// gives up after the timeout (exit 2) so it never hangs.
'use strict';

const { mqtt, iot, iotshadow } = require('aws-iot-device-sdk-v2');
const { run, status, note, deepEqual, Inbox } = require('./harness');

run({
    name: 'shadow.js', env: 'SHADOW',
    keys: ['endpoint', 'port', 'ca', 'cert', 'key', 'thing', 'timeoutMs'],
    required: ['endpoint', 'port', 'ca', 'cert', 'key', 'thing'],
    defaults: { timeoutMs: '30000' },
    usage: '--endpoint HOST --port N --ca CA --cert CERT --key KEY --thing NAME [--timeout-ms MS]',
}, main);

async function main(opts) {
    const thingName = opts.thing;
    status.stage = 'connecting';
    const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(opts.cert, opts.key)
        .with_certificate_authority_from_path(undefined, opts.ca)
        .with_endpoint(opts.endpoint)
        .with_port(opts.port)
        .with_client_id(thingName)
        .with_clean_session(true)
        .with_keep_alive_seconds(30)
        .with_timeout_ms(10000)
        .with_reconnect_min_sec(1)
        .with_reconnect_max_sec(2)
        .build();
    const client = new mqtt.MqttClient();
    const connection = client.new_connection(config);
    let interruptions = 0;
    connection.on('interrupt', (e) => { interruptions++; note(`connection interrupted: ${e}`); });
    connection.on('error', (e) => note(`connection error: ${e}`));
    const sessionPresent = await connection.connect();

    const shadow = new iotshadow.IotShadowClient(connection);
    const inbox = new Inbox();
    const qos = mqtt.QoS.AtLeastOnce;

    status.stage = 'subscribing';
    const subs = [
        ['update/accepted', (h) => shadow.subscribeToUpdateShadowAccepted({ thingName }, qos, h)],
        ['update/rejected', (h) => shadow.subscribeToUpdateShadowRejected({ thingName }, qos, h)],
        ['get/accepted', (h) => shadow.subscribeToGetShadowAccepted({ thingName }, qos, h)],
        ['get/rejected', (h) => shadow.subscribeToGetShadowRejected({ thingName }, qos, h)],
        ['update/delta', (h) => shadow.subscribeToShadowDeltaUpdatedEvents({ thingName }, qos, h)],
    ];
    const granted = {};
    for (const [name, subscribe] of subs) {
        const suback = await subscribe((error, response) => inbox.put(name, error, response));
        if (suback.error_code || suback.qos === 128) {
            throw new Error(`subscription to ${name} refused: ${JSON.stringify(suback)}`);
        }
        granted[name] = suback.qos;
    }

    // Publishes an update and waits for its /update/accepted (by client token);
    // an /update/rejected for the same token is an error.
    let tokens = 0;
    async function update(state, version) {
        const clientToken = `${thingName}-${++tokens}`;
        const request = { thingName, state, clientToken };
        if (version !== undefined) request.version = version;
        await shadow.publishUpdateShadow(request, qos);
        const [name, doc] = await inbox.take(['update/accepted', 'update/rejected'], (d) => d.clientToken === clientToken);
        if (name !== 'update/accepted') {
            throw new Error(`update ${JSON.stringify(request)} rejected: ${JSON.stringify(doc)}`);
        }
        return doc;
    }
    async function get() {
        const clientToken = `${thingName}-${++tokens}`;
        await shadow.publishGetShadow({ thingName, clientToken }, qos);
        const [name, doc] = await inbox.take(['get/accepted', 'get/rejected'], (d) => d.clientToken === clientToken);
        if (name !== 'get/accepted') throw new Error(`get rejected: ${JSON.stringify(doc)}`);
        return doc;
    }

    // 1. The app side sets the desired state.
    status.stage = 'updating desired';
    const desired = { color: 'red' };
    const setDesired = await update({ desired });
    if (!deepEqual(setDesired.state && setDesired.state.desired, desired)) {
        throw new Error(`update/accepted for desired: ${JSON.stringify(setDesired)}`);
    }

    // 2. The device side: apply each delta and report, until in sync.
    status.stage = 'waiting for delta';
    const [, firstDelta] = await inbox.take(['update/delta'], (d) => d.state && d.state.color !== undefined);
    if (!deepEqual(firstDelta.state, desired) || firstDelta.version !== setDesired.version) {
        throw new Error(`delta ${JSON.stringify(firstDelta)} after update/accepted ${JSON.stringify(setDesired)}`);
    }
    const device = {}; // what the "bulb" currently shows
    let pending = firstDelta.state;
    let reports = 0;
    let lastReport;
    let doc;
    for (;;) {
        status.stage = `reporting (round ${reports + 1})`;
        Object.assign(device, pending);
        lastReport = await update({ reported: device });
        reports++;
        status.stage = `getting (round ${reports})`;
        doc = await get();
        pending = doc.state && doc.state.delta;
        if (!pending) break;
        if (reports >= 5) throw new Error(`still out of sync after ${reports} reports: ${JSON.stringify(doc)}`);
    }
    const inSync = deepEqual(doc.state.desired, doc.state.reported);
    if (!inSync || !deepEqual(doc.state.reported, desired) || doc.version !== lastReport.version) {
        throw new Error(`get/accepted not in sync: ${JSON.stringify(doc)} (last report ${JSON.stringify(lastReport)})`);
    }

    // 3. A stale version is a conflict: /update/rejected with code 409, and
    // the shadow is left as it was.
    status.stage = 'version conflict';
    const staleToken = `${thingName}-stale`;
    await shadow.publishUpdateShadow({ thingName, clientToken: staleToken, version: setDesired.version,
        state: { reported: { color: 'blue' } } }, qos);
    const [conflictTopic, conflict] = await inbox.take(['update/accepted', 'update/rejected'], (d) => d.clientToken === staleToken);
    if (conflictTopic !== 'update/rejected' || conflict.code !== 409) {
        throw new Error(`stale update (version ${setDesired.version}, current ${doc.version}) answered on ${conflictTopic}: ${JSON.stringify(conflict)}`);
    }
    status.stage = 'final get';
    const after = await get();
    if (after.version !== doc.version || !deepEqual(after.state.reported, desired) || after.state.delta) {
        throw new Error(`shadow changed by the rejected update: ${JSON.stringify(after)} (before ${JSON.stringify(doc)})`);
    }
    // No delta may have been published once desired and reported agreed.
    const strayDeltas = inbox.left('update/delta');
    if (strayDeltas.length > 0) throw new Error(`unexpected deltas: ${JSON.stringify(strayDeltas)}`);

    status.stage = 'disconnecting';
    await connection.disconnect();
    return {
        ok: true,
        thing: thingName,
        clientId: thingName,
        sessionPresent,
        granted,
        interruptions,
        desired: { version: setDesired.version, state: setDesired.state },
        delta: { version: firstDelta.version, state: firstDelta.state },
        reports,
        get: { version: doc.version, state: doc.state, inSync },
        conflict: { code: conflict.code, message: conflict.message, staleVersion: setDesired.version },
        final: { version: after.version, state: after.state },
        ms: Date.now() - status.started,
    };
}
