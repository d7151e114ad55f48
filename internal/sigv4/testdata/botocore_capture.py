# Regenerates the botocore fixtures of botocore_test.go (not needed to run the tests):
#   python3 testdata/botocore_capture.py > fixtures.json
# It freezes botocore's clock at 2026-11-22T12:34:56Z and records the exact bytes
# botocore sends to a local socket. Generated with botocore 1.43.11.
import datetime, json, socket, threading, sys
import botocore.auth, botocore.session
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FIXED = datetime.datetime(2026, 11, 22, 12, 34, 56, tzinfo=datetime.timezone.utc)
botocore.auth.get_current_datetime = lambda *a, **k: FIXED.replace(tzinfo=None)

captured = []

def serve(sock):
    while True:
        conn, _ = sock.accept()
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _, rest = data.partition(b"\r\n\r\n")
        n = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                n = int(v.strip())
        while len(rest) < n:
            rest += conn.recv(65536)
        captured.append(head + b"\r\n\r\n" + rest)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        conn.close()

sock = socket.socket(); sock.bind(("127.0.0.1", 0)); sock.listen(5)
port = sock.getsockname()[1]
threading.Thread(target=serve, args=(sock,), daemon=True).start()

sess = botocore.session.get_session()
kw = dict(region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{port}",
          aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
iot = sess.create_client("iot", **kw)
data = sess.create_client("iot-data", **kw)
tok = sess.create_client("iot", aws_session_token="FQoGZXIvYXdzE+token/with==", **kw)

out = []
def run(name, fn):
    fn()
    out.append({"name": name, "raw": captured[-1].decode("latin-1")})

run("describe-thing", lambda: iot.describe_thing(thingName="my-thing"))
run("list-attached-policies", lambda: iot.list_attached_policies(target="arn:aws:iot:us-east-1:123456789012:cert/abc", recursive=True, pageSize=10))
run("publish-shadow-update", lambda: data.publish(topic="$aws/things/x/shadow/update", qos=1, payload=b'{"state":{"reported":{"on":true}}}'))
run("get-retained-message", lambda: data.get_retained_message(topic="a/b"))
run("list-things-query", lambda: iot.list_things(attributeName="colour", attributeValue="dark blue+green/x", maxResults=5))
run("session-token", lambda: tok.list_things())

# Presigned WSS URLs, as the IoT device SDKs build them.
creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
req = AWSRequest(method="GET", url="https://roost.example.com/mqtt")
botocore.auth.SigV4QueryAuth(creds, "iotdevicegateway", "us-east-1", expires=86400).add_auth(req)
out.append({"name": "presign-wss", "url": req.url})
creds2 = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "FQoGZXIvYXdzE+token/with==")
req = AWSRequest(method="GET", url="https://roost.example.com/mqtt")
botocore.auth.SigV4QueryAuth(creds2, "iotdevicegateway", "us-east-1", expires=3600).add_auth(req)
out.append({"name": "presign-wss-signed-token", "url": req.url})
# A path botocore normalizes before signing ("//" and "." removed).
req = AWSRequest(method="GET", url=f"http://127.0.0.1:{port}/things//x/./y", headers={"Content-Type": "application/json"})
botocore.auth.SigV4Auth(creds, "iot", "us-east-1").add_auth(req)
raw = f"GET /things//x/./y HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in req.headers.items()) + "\r\n"
out.append({"name": "path-normalized", "raw": raw})
# A Date header instead of X-Amz-Date (botocore then signs "date"), with a
# body and a header value with runs of spaces.
req = AWSRequest(method="PATCH", url=f"http://127.0.0.1:{port}/things/t1", data=b'{"a": 1}',
                 headers={"Date": "x", "Content-Type": "application/json", "X-Roost-Note": "a   b  c"})
botocore.auth.SigV4Auth(creds, "iot", "us-east-1").add_auth(req)
raw = f"PATCH /things/t1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in req.headers.items()) + "Content-Length: 8\r\n\r\n" + '{"a": 1}'
out.append({"name": "date-header", "raw": raw})
# As the AWS IoT Device SDKs do: sign without the session token, then append it.
from urllib.parse import quote
req = AWSRequest(method="GET", url="https://roost.example.com/mqtt")
botocore.auth.SigV4QueryAuth(creds, "iotdevicegateway", "us-east-1", expires=86400).add_auth(req)
out.append({"name": "presign-wss-token-appended", "url": req.url + "&X-Amz-Security-Token=" + quote("FQoGZXIvYXdzE+token/with==", safe="")})
json.dump(out, sys.stdout, indent=1)
