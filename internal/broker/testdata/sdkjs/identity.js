#!/usr/bin/env node
// Fleet provisioning by claim with the AWS IoT Device SDK v2 for JavaScript
// (aws-iot-device-sdk-v2, iotidentity.IotIdentityClient over an MQTT 3.1.1
// mutual-TLS connection), as a device would run it against AWS IoT Core:
// connect with the claim certificate, CreateKeysAndCertificate, RegisterThing
// with template parameters, replay the spent ownership token (it must be
// rejected), then reconnect with the new certificate and key as the thing
// (client id = thing name) and publish to, and receive back from, its own
// telemetry topic <topic-prefix>/<BuildingName>/<Location>/<thingName>.
// Run by internal/broker/sdkjs_identity_e2e_test.go; install with `npm ci`
// here first.
//
//   node identity.js --endpoint 127.0.0.1 --port 8883 --ca ca.pem \
//       --cert claim.pem --key claim.key --template SensorTemplate \
//       --params '{"SerialNumber":"1","BuildingName":"b","Location":"l"}' \
//       [--client-id claim-js] [--topic-prefix temperature] [--timeout-ms 30000]
//
// Each flag may instead come from the environment: IDENTITY_ENDPOINT,
// IDENTITY_PORT, IDENTITY_CA, IDENTITY_CERT, IDENTITY_KEY, IDENTITY_TEMPLATE,
// IDENTITY_PARAMS, IDENTITY_CLIENT_ID, IDENTITY_TOPIC_PREFIX,
// IDENTITY_TIMEOUT_MS. --cert and --key are the claim's; the new identity
// is only held in memory.
//
// It prints one JSON line on stdout: {"ok":true,...} and exits 0, or
// {"ok":false,"error":"..."} (the message also on stderr) and exits 1; it
// gives up after the timeout (exit 2) so it never hangs.
'use strict';

const crypto = require('crypto');
const { mqtt, iot, iotidentity } = require('aws-iot-device-sdk-v2');
const { run, status, note, deepEqual, Inbox } = require('./harness');

run({
    name: 'identity.js', env: 'IDENTITY',
    keys: ['endpoint', 'port', 'ca', 'cert', 'key', 'template', 'params', 'clientId', 'topicPrefix', 'timeoutMs'],
    required: ['endpoint', 'port', 'ca', 'cert', 'key', 'template', 'params', 'clientId', 'topicPrefix'],
    defaults: { clientId: `claim-js-${process.pid}`, topicPrefix: 'temperature', timeoutMs: '30000' },
    usage: '--endpoint HOST --port N --ca CA --cert CLAIM_CERT --key CLAIM_KEY --template NAME --params JSON [--client-id ID] [--topic-prefix PREFIX] [--timeout-ms MS]',
    check: checkParams,
}, main);

// checkParams parses --params: a JSON object of strings naming at least the
// telemetry topic's BuildingName and Location.
function checkParams(o, usage) {
    try {
        o.params = JSON.parse(o.params);
    } catch (e) {
        usage(`--params is not JSON: ${e.message}`);
    }
    if (typeof o.params !== 'object' || o.params === null || Array.isArray(o.params) ||
        !Object.values(o.params).every((v) => typeof v === 'string')) {
        usage('--params must be a JSON object of strings');
    }
    for (const k of ['BuildingName', 'Location']) {
        if (!o.params[k]) usage(`--params needs ${k} (it names the telemetry topic)`);
    }
}

// connect opens an MQTT 3.1.1 connection over mutual TLS with a builder
// already holding the certificate and key.
async function connect(opts, builder, clientId, what) {
    const config = builder
        .with_certificate_authority_from_path(undefined, opts.ca)
        .with_endpoint(opts.endpoint)
        .with_port(opts.port)
        .with_client_id(clientId)
        .with_clean_session(true)
        .with_keep_alive_seconds(30)
        .with_timeout_ms(10000)
        .with_reconnect_min_sec(1)
        .with_reconnect_max_sec(2)
        .build();
    const connection = new mqtt.MqttClient().new_connection(config);
    const state = { connection, interruptions: 0 };
    connection.on('interrupt', (e) => { state.interruptions++; note(`${what} connection interrupted: ${e}`); });
    connection.on('error', (e) => note(`${what} connection error: ${e}`));
    state.sessionPresent = await connection.connect();
    return state;
}

function refused(suback) {
    return !suback || suback.error_code || suback.qos === 128 || suback.qos === undefined;
}

async function main(opts) {
    const templateName = opts.template;
    const parameters = opts.params;
    const qos = mqtt.QoS.AtLeastOnce;

    // 1. The claim connection and the provisioning API's reply topics.
    status.stage = 'connecting with the claim';
    const claim = await connect(opts, iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(opts.cert, opts.key),
        opts.clientId, 'claim');
    const identity = new iotidentity.IotIdentityClient(claim.connection);
    const inbox = new Inbox();

    status.stage = 'subscribing to the provisioning API';
    const subs = [
        ['create/accepted', (h) => identity.subscribeToCreateKeysAndCertificateAccepted({}, qos, h)],
        ['create/rejected', (h) => identity.subscribeToCreateKeysAndCertificateRejected({}, qos, h)],
        ['register/accepted', (h) => identity.subscribeToRegisterThingAccepted({ templateName }, qos, h)],
        ['register/rejected', (h) => identity.subscribeToRegisterThingRejected({ templateName }, qos, h)],
    ];
    const granted = {};
    for (const [name, subscribe] of subs) {
        const suback = await subscribe((error, response) => inbox.put(name, error, response));
        if (refused(suback)) throw new Error(`subscription to ${name} refused: ${JSON.stringify(suback)}`);
        granted[name] = suback.qos;
    }

    // 2. CreateKeysAndCertificate: payload {}.
    status.stage = 'CreateKeysAndCertificate';
    await identity.publishCreateKeysAndCertificate({}, qos);
    const [createTopic, created] = await inbox.take(['create/accepted', 'create/rejected']);
    if (createTopic !== 'create/accepted') {
        throw new Error(`CreateKeysAndCertificate answered on ${createTopic}: ${JSON.stringify(created)}`);
    }
    for (const k of ['certificateId', 'certificatePem', 'privateKey', 'certificateOwnershipToken']) {
        if (typeof created[k] !== 'string' || created[k] === '') {
            throw new Error(`create/accepted without ${k}: ${JSON.stringify(Object.keys(created))}`);
        }
    }
    // AWS's certificate id is the SHA-256 of the DER; the key must match.
    const x509 = new crypto.X509Certificate(created.certificatePem);
    const fingerprint = x509.fingerprint256.replace(/:/g, '').toLowerCase();
    const keyMatches = x509.checkPrivateKey(crypto.createPrivateKey(created.privateKey));

    // 3. RegisterThing with the template parameters.
    status.stage = 'RegisterThing';
    const token = created.certificateOwnershipToken;
    await identity.publishRegisterThing({ templateName, certificateOwnershipToken: token, parameters }, qos);
    const [registerTopic, registered] = await inbox.take(['register/accepted', 'register/rejected']);
    if (registerTopic !== 'register/accepted') {
        throw new Error(`RegisterThing answered on ${registerTopic}: ${JSON.stringify(registered)}`);
    }
    const thingName = registered.thingName;
    if (typeof thingName !== 'string' || thingName === '') {
        throw new Error(`register/accepted without a thing name: ${JSON.stringify(registered)}`);
    }

    // 4. The token is spent: the same request again is rejected.
    status.stage = 'RegisterThing replay';
    await identity.publishRegisterThing({ templateName, certificateOwnershipToken: token, parameters }, qos);
    const [replayTopic, replay] = await inbox.take(['register/accepted', 'register/rejected']);
    if (replayTopic !== 'register/rejected' || replay.statusCode !== 400 ||
        replay.errorCode !== 'InvalidCertificateOwnershipToken') {
        throw new Error(`replayed RegisterThing answered on ${replayTopic}: ${JSON.stringify(replay)}`);
    }
    const strays = inbox.all();
    if (strays.length > 0) throw new Error(`unexpected provisioning answers: ${JSON.stringify(strays)}`);

    status.stage = 'disconnecting the claim';
    await claim.connection.disconnect();

    // 5. The new identity: the thing's own certificate and key, client id =
    // thing name, publish to its own topic and receive it back.
    status.stage = 'connecting as the thing';
    const device = await connect(opts, iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(created.certificatePem, created.privateKey),
        thingName, 'thing');
    const topic = [opts.topicPrefix, parameters.BuildingName, parameters.Location, thingName].join('/');
    const echoes = new Inbox();
    status.stage = `subscribing to ${topic}`;
    const suback = await device.connection.subscribe(topic, qos, (t, payload) => {
        let doc;
        try {
            doc = JSON.parse(Buffer.from(payload).toString('utf8'));
        } catch (e) {
            echoes.put('telemetry', e, undefined);
            return;
        }
        echoes.put('telemetry', undefined, { topic: t, doc });
    });
    if (refused(suback)) throw new Error(`subscription to ${topic} refused: ${JSON.stringify(suback)}`);
    status.stage = `publishing to ${topic}`;
    const reading = { thingName, temperature: 21.5, nonce: crypto.randomBytes(8).toString('hex') };
    await device.connection.publish(topic, JSON.stringify(reading), qos);
    status.stage = `waiting for ${topic}`;
    const [, echo] = await echoes.take(['telemetry'], (m) => m.doc && m.doc.nonce === reading.nonce);
    const received = echo.topic === topic && deepEqual(echo.doc, reading);
    if (!received) throw new Error(`received ${JSON.stringify(echo)}, published ${JSON.stringify(reading)} to ${topic}`);

    status.stage = 'disconnecting the thing';
    await device.connection.disconnect();
    return {
        ok: true,
        template: templateName,
        claimClientId: opts.clientId,
        claimSessionPresent: claim.sessionPresent,
        claimInterruptions: claim.interruptions,
        granted,
        certificateId: created.certificateId,
        certificateFingerprint: fingerprint,
        keyMatches,
        tokenLength: token.length,
        thingName,
        deviceConfiguration: registered.deviceConfiguration,
        registerKeys: Object.keys(registered).sort(),
        replay: { topic: replayTopic, statusCode: replay.statusCode, errorCode: replay.errorCode,
            errorMessage: replay.errorMessage, keys: Object.keys(replay).sort() },
        reconnect: { clientId: thingName, sessionPresent: device.sessionPresent, interruptions: device.interruptions,
            topic, granted: suback.qos, published: true, received },
        ms: Date.now() - status.started,
    };
}
