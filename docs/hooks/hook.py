#!/usr/bin/env python3
"""A Roost pre-provisioning hook: allow listed serial numbers, deny the rest."""
import json, http.server

ALLOWED, DENIED = {"0001", "0002"}, {"666"}

class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        serial = event["parameters"].get("SerialNumber", "")
        ok = serial in ALLOWED and serial not in DENIED
        body = json.dumps({"allowProvisioning": ok, "parameterOverrides": {"DeviceType": "RaspberryPi"}}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json"); self.end_headers()
        self.wfile.write(body)

http.server.ThreadingHTTPServer(("127.0.0.1", 8088), Hook).serve_forever()
