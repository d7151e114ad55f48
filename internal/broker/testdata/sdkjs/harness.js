// What the AWS IoT Device SDK v2 test scripts (shadow.js, identity.js)
// share: their flags (each also an environment variable), a run that gives
// up after --timeout-ms so it never hangs, the one JSON line of result they
// print ({"ok":true,...} and exit 0, or {"ok":false,"error":...,"stage":...}
// and exit 1, 2 on timeout), and an inbox for the server's answers.
'use strict';

// status is what the running script is doing, for the failure line.
const status = { stage: 'starting', started: Date.now() };
let name = 'sdkjs';
let finished = false;
let timer;

// run parses the command line by spec, then awaits main(opts) and prints its
// result. spec: { name, env (variable prefix), keys (option names in
// camelCase: key fooBar is --foo-bar and ENV_FOO_BAR), required, defaults,
// usage (the flags part of the usage line), check(opts, usage) (optional) }.
function run(spec, main) {
    name = spec.name;
    const opts = parseArgs(spec, process.argv.slice(2));
    timer = setTimeout(() => fail(`timed out after ${opts.timeoutMs} ms (${status.stage})`, 2), opts.timeoutMs);
    main(opts).then(
        (result) => done(result),
        (err) => fail(err && err.stack ? err.stack : String(err), 1),
    );
}

const kebab = (k) => k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

function parseArgs(spec, argv) {
    const o = {};
    const flags = {};
    for (const k of spec.keys) {
        o[k] = process.env[`${spec.env}_${kebab(k).replace(/-/g, '_').toUpperCase()}`] || spec.defaults[k];
        flags[`--${kebab(k)}`] = k;
    }
    const usage = (msg) => usageExit(spec, msg);
    for (let i = 0; i < argv.length; i += 2) {
        const k = flags[argv[i]];
        if (!k || i + 1 >= argv.length) usage(`bad argument ${JSON.stringify(argv[i])}`);
        o[k] = argv[i + 1];
    }
    for (const k of spec.required) {
        if (!o[k]) usage(`missing --${kebab(k)}`);
    }
    o.port = Number(o.port);
    o.timeoutMs = Number(o.timeoutMs);
    if (!Number.isInteger(o.port) || o.port <= 0 || !(o.timeoutMs > 0)) usage('bad --port or --timeout-ms');
    if (spec.check) spec.check(o, usage);
    return o;
}

function usageExit(spec, msg) {
    process.stderr.write(`${spec.name}: ${msg}\nusage: node ${spec.name} ${spec.usage}\n`);
    process.stdout.write(JSON.stringify({ ok: false, error: msg }) + '\n');
    process.exit(1);
}

function note(msg) {
    process.stderr.write(`${name}: ${msg}\n`);
}

function done(result) {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
}

function fail(msg, code) {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    process.stderr.write(`${name}: FAIL: ${msg}\n`);
    process.stdout.write(JSON.stringify({ ok: false, error: msg.split('\n')[0], stage: status.stage }) + '\n', () => process.exit(code));
}

function deepEqual(a, b) {
    if (a === b) return true;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
}

// Inbox keeps every message per subscription until a waiter takes it, so
// the order in which the server's answers and events arrive does not matter.
class Inbox {
    constructor() { this.msgs = []; this.waiters = []; }
    put(name, error, doc) {
        if (error) {
            fail(`bad message on ${name}: ${error}`, 1);
            return;
        }
        this.msgs.push({ name, doc });
        this.waiters = this.waiters.filter((w) => !this.match(w));
    }
    match(w) {
        const i = this.msgs.findIndex((m) => w.names.includes(m.name) && w.pred(m.doc || {}));
        if (i < 0) return false;
        const [m] = this.msgs.splice(i, 1);
        w.resolve([m.name, m.doc]);
        return true;
    }
    take(names, pred = () => true) {
        return new Promise((resolve) => {
            const w = { names, pred, resolve };
            if (!this.match(w)) this.waiters.push(w);
        });
    }
    left(name) { return this.msgs.filter((m) => m.name === name).map((m) => m.doc); }
    all() { return this.msgs.map((m) => ({ [m.name]: m.doc })); }
}

module.exports = { run, status, note, deepEqual, Inbox };
