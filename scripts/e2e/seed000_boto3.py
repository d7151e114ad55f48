#!/usr/bin/env python3
"""Seed 000 (Raspberry Pi temperature fleet) through boto3 against a running Roost.

    seed000_boto3.py setup  --endpoint-url URL --region R --account-id A --state FILE
    seed000_boto3.py verify --endpoint-url URL --region R --account-id A --state FILE

`setup` creates its own resources (names distinct from the aws CLI part of
scripts/e2e.sh), checks the responses, the AWS errors and pagination, and
writes what it made to the state file. `verify` (run after a server restart)
checks that all of it is still there.

Credentials come from the environment (AWS_SHARED_CREDENTIALS_FILE pointing
at the server's credentials file). Prints one PASS/FAIL line per check and
exits 1 if any check failed.
"""

import argparse
import datetime
import json
import sys
import time
import uuid

import boto3
import botocore.config
import botocore.exceptions

PASSED = 0
FAILED = 0


def check(what, ok, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print(f"PASS: boto3: {what}", flush=True)
    else:
        FAILED += 1
        print(f"FAIL: boto3: {what}" + (f" ({detail})" if detail else ""), flush=True)
    return ok


def check_eq(what, want, got):
    return check(what, want == got, f"want {want!r}, got {got!r}")


def call(what, fn, **kwargs):
    """Runs a call that must succeed; a failure is a FAIL and returns None."""
    try:
        return fn(**kwargs)
    except Exception as e:  # noqa: BLE001 - any failure is reported
        check(f"{what} succeeds", False, f"{type(e).__name__}: {e}")
        return None


def expect_error(what, exc_class, status, fn, **kwargs):
    """The call must raise exc_class (a modeled client.exceptions class) with
    the HTTP status the iot model gives that exception."""
    try:
        fn(**kwargs)
    except exc_class as e:
        got = e.response["ResponseMetadata"]["HTTPStatusCode"]
        check(f"{what} -> {exc_class.__name__} (HTTP {got})", got == status, f"want HTTP {status}")
        return e
    except Exception as e:  # noqa: BLE001
        check(f"{what} -> {exc_class.__name__}", False, f"got {type(e).__name__}: {e}")
        return None
    check(f"{what} -> {exc_class.__name__}", False, "the call succeeded")
    return None


def expect_code(what, code, status, fn, **kwargs):
    """For errors the iot model does not list (authentication): the ClientError code."""
    try:
        fn(**kwargs)
    except botocore.exceptions.ClientError as e:
        got_code = e.response["Error"]["Code"]
        got_status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        check(f"{what} -> {code} (HTTP {status})", (got_code, got_status) == (code, status),
              f"got {got_code} (HTTP {got_status})")
        return
    except Exception as e:  # noqa: BLE001
        check(f"{what} -> {code}", False, f"got {type(e).__name__}: {e}")
        return
    check(f"{what} -> {code}", False, "the call succeeded")


def is_recent_datetime(v):
    if not isinstance(v, datetime.datetime) or v.tzinfo is None:
        return False
    return abs(time.time() - v.timestamp()) < 600


def client(args, **kw):
    cfg = botocore.config.Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=20)
    return boto3.client("iot", endpoint_url=args.endpoint_url, region_name=args.region, config=cfg, **kw)


def seed_policy(region, account):
    arn = f"arn:aws:iot:{region}:{account}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"},
            {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"],
             "Resource": [f"{arn}:topic/$aws/certificates/create/*",
                          f"{arn}:topic/$aws/provisioning-templates/SensorTemplate/provision/*"]},
            {"Effect": "Allow", "Action": "iot:Subscribe",
             "Resource": [f"{arn}:topicfilter/$aws/certificates/create/*",
                          f"{arn}:topicfilter/$aws/provisioning-templates/SensorTemplate/provision/*"]},
        ],
    }


ATTRS = {"BuildingName": "home417", "Location": "downstairs", "DeviceType": "RaspberryPi", "ModelNumber": "3"}


def setup(args):
    c = client(args)
    region, account = args.region, args.account_id
    arn = f"arn:aws:iot:{region}:{account}"
    run = uuid.uuid4().hex[:12]
    st = {
        "thingType": "TemperatureSensor_boto3",
        "thing": f"sensor_boto3_{run}",
        "policy": "IoT_Bootstrapping_Certificate_boto3",
        "batch": run,
    }

    # Thing type with the two searchable attributes.
    r = call("create_thing_type", c.create_thing_type, thingTypeName=st["thingType"],
             thingTypeProperties={"thingTypeDescription": "DS18B20 on a Raspberry Pi",
                                  "searchableAttributes": ["BuildingName", "Location"]})
    if r:
        check_eq("create_thing_type thingTypeArn", f"{arn}:thingtype/{st['thingType']}", r.get("thingTypeArn"))
        check("create_thing_type thingTypeId is set", bool(r.get("thingTypeId")))
    r = call("describe_thing_type", c.describe_thing_type, thingTypeName=st["thingType"])
    if r:
        props = r.get("thingTypeProperties", {})
        check_eq("describe_thing_type searchableAttributes", ["BuildingName", "Location"], props.get("searchableAttributes"))
        check_eq("describe_thing_type thingTypeDescription", "DS18B20 on a Raspberry Pi", props.get("thingTypeDescription"))
        md = r.get("thingTypeMetadata", {})
        check_eq("describe_thing_type deprecated", False, md.get("deprecated"))
        check("describe_thing_type creationDate is a recent datetime", is_recent_datetime(md.get("creationDate")),
              repr(md.get("creationDate")))

    # The sensor thing.
    r = call("create_thing", c.create_thing, thingName=st["thing"], thingTypeName=st["thingType"],
             attributePayload={"attributes": ATTRS})
    if r:
        check_eq("create_thing thingArn", f"{arn}:thing/{st['thing']}", r.get("thingArn"))
        check("create_thing thingId is a UUID", _is_uuid(r.get("thingId")), repr(r.get("thingId")))
        st["thingId"] = r.get("thingId")
    r = call("describe_thing", c.describe_thing, thingName=st["thing"])
    if r:
        check_eq("describe_thing attributes", ATTRS, r.get("attributes"))
        check_eq("describe_thing thingTypeName", st["thingType"], r.get("thingTypeName"))
        check_eq("describe_thing version", 1, r.get("version"))
        check_eq("describe_thing defaultClientId", st["thing"], r.get("defaultClientId"))
        check_eq("describe_thing thingId", st.get("thingId"), r.get("thingId"))

    # The bootstrap certificate, activated.
    r = call("create_keys_and_certificate", c.create_keys_and_certificate, setAsActive=True)
    if r:
        cid = r.get("certificateId", "")
        st["certId"], st["certArn"] = cid, r.get("certificateArn")
        check("certificateId is 64 hex digits", len(cid) == 64 and all(ch in "0123456789abcdef" for ch in cid), cid)
        check_eq("certificateArn", f"{arn}:cert/{cid}", r.get("certificateArn"))
        check("certificatePem is a PEM certificate", r.get("certificatePem", "").startswith("-----BEGIN CERTIFICATE-----"))
        kp = r.get("keyPair", {})
        check("keyPair.PrivateKey is an RSA private key PEM",
              kp.get("PrivateKey", "").startswith("-----BEGIN RSA PRIVATE KEY-----")
              and kp.get("PrivateKey", "").rstrip().endswith("-----END RSA PRIVATE KEY-----"))
        check("keyPair.PublicKey is a PEM public key", kp.get("PublicKey", "").startswith("-----BEGIN PUBLIC KEY-----"))
        _check_key_matches(r.get("certificatePem", ""), kp.get("PrivateKey", ""))
        st["certPem"] = r.get("certificatePem")
    if "certId" not in st:
        return c, st
    r = call("describe_certificate", c.describe_certificate, certificateId=st["certId"])
    if r:
        d = r.get("certificateDescription", {})
        check_eq("describe_certificate status", "ACTIVE", d.get("status"))
        check_eq("describe_certificate certificatePem", st["certPem"], d.get("certificatePem"))
        check_eq("describe_certificate ownedBy", account, d.get("ownedBy"))
        check("describe_certificate creationDate is a recent datetime", is_recent_datetime(d.get("creationDate")),
              repr(d.get("creationDate")))
        check("describe_certificate lastModifiedDate is a datetime",
              isinstance(d.get("lastModifiedDate"), datetime.datetime), repr(d.get("lastModifiedDate")))
        v = d.get("validity", {})
        nb, na = v.get("notBefore"), v.get("notAfter")
        check("describe_certificate validity is datetimes around now",
              isinstance(nb, datetime.datetime) and isinstance(na, datetime.datetime)
              and nb.timestamp() <= time.time() < na.timestamp(), f"{nb!r} .. {na!r}")
    r = call("list_certificates", c.list_certificates, pageSize=250)
    if r:
        mine = [x for x in r.get("certificates", []) if x.get("certificateId") == st["certId"]]
        check("list_certificates lists it ACTIVE with a datetime creationDate",
              len(mine) == 1 and mine[0].get("status") == "ACTIVE"
              and isinstance(mine[0].get("creationDate"), datetime.datetime), repr(mine))

    # The bootstrap policy.
    doc = seed_policy(region, account)
    r = call("create_policy", c.create_policy, policyName=st["policy"], policyDocument=json.dumps(doc))
    if r:
        check_eq("create_policy policyArn", f"{arn}:policy/{st['policy']}", r.get("policyArn"))
        check_eq("create_policy policyVersionId", "1", r.get("policyVersionId"))
    r = call("get_policy", c.get_policy, policyName=st["policy"])
    if r:
        check_eq("get_policy policyDocument (as JSON)", doc, _json(r.get("policyDocument")))
        check_eq("get_policy defaultVersionId", "1", r.get("defaultVersionId"))
        check("get_policy creationDate is a recent datetime", is_recent_datetime(r.get("creationDate")),
              repr(r.get("creationDate")))
    call("attach_policy", c.attach_policy, policyName=st["policy"], target=st["certArn"])
    call("attach_thing_principal", c.attach_thing_principal, thingName=st["thing"], principal=st["certArn"])
    check_relations(c, st, "")

    r = call("list_things by attribute", c.list_things, attributeName="Location", attributeValue="downstairs")
    if r:
        check_eq("list_things(attributeName=Location, attributeValue=downstairs)",
                 [st["thing"]], [t["thingName"] for t in r.get("things", [])])
    r = call("describe_endpoint", c.describe_endpoint, endpointType="iot:Data-ATS")
    if r:
        check("describe_endpoint(iot:Data-ATS) endpointAddress is set", bool(r.get("endpointAddress")))

    # Errors surface as the modeled exception classes.
    ex = c.exceptions
    expect_error("describe_thing of a missing thing", ex.ResourceNotFoundException, 404,
                 c.describe_thing, thingName="sensor_boto3_missing")
    e = expect_error("create_thing with the same name and different attributes", ex.ResourceAlreadyExistsException, 409,
                     c.create_thing, thingName=st["thing"], thingTypeName=st["thingType"],
                     attributePayload={"attributes": dict(ATTRS, Location="loft")})
    if e is not None:
        check_eq("ResourceAlreadyExistsException carries resourceArn", f"{arn}:thing/{st['thing']}", e.response.get("resourceArn"))
    r = call("describe_thing after the refused create", c.describe_thing, thingName=st["thing"])
    if r:
        check_eq("the refused create_thing changed nothing", ATTRS, r.get("attributes"))
    expect_error("create_policy with a malformed document", ex.MalformedPolicyException, 400,
                 c.create_policy, policyName="Malformed_boto3", policyDocument='{"Version": "2012-10-17", "Statement": [')
    expect_error("delete_certificate of the ACTIVE certificate", ex.CertificateStateException, 406,
                 c.delete_certificate, certificateId=st["certId"])
    call("update_certificate INACTIVE", c.update_certificate, certificateId=st["certId"], newStatus="INACTIVE")
    expect_error("delete_certificate with a thing and a policy attached", ex.DeleteConflictException, 409,
                 c.delete_certificate, certificateId=st["certId"])
    expect_error("delete_policy of an attached policy", ex.DeleteConflictException, 409,
                 c.delete_policy, policyName=st["policy"])
    # A token no server call returned: AWS answers InvalidRequestException.
    expect_error("list_things with a made-up nextToken", ex.InvalidRequestException, 400,
                 c.list_things, nextToken="garbage")
    expect_error("list_certificates with a made-up marker", ex.InvalidRequestException, 400,
                 c.list_certificates, marker="garbage")
    call("update_certificate ACTIVE", c.update_certificate, certificateId=st["certId"], newStatus="ACTIVE")

    creds = boto3.Session().get_credentials()
    bad = client(args, aws_access_key_id=creds.access_key, aws_secret_access_key="wrong-secret-" + "x" * 28)
    expect_code("list_things signed with a wrong secret", "InvalidSignatureException", 403, bad.list_things)
    unknown = client(args, aws_access_key_id="AKIAE2EBOTO3UNKNOWN0", aws_secret_access_key="x" * 40)
    expect_code("list_things signed with an unknown access key", "UnrecognizedClientException", 403, unknown.list_things)

    # Pagination: 7 things in one batch, pages of 3.
    batch = [f"batch_{run}_{i}" for i in range(7)]
    for name in batch:
        call(f"create_thing {name}", c.create_thing, thingName=name,
             attributePayload={"attributes": {"Batch": run}})
    pag = c.get_paginator("list_things")
    pages = list(pag.paginate(attributeName="Batch", attributeValue=run, PaginationConfig={"PageSize": 3}))
    check_eq("list_things paginator: page sizes with PageSize=3", [3, 3, 1], [len(p.get("things", [])) for p in pages])
    check_eq("list_things paginator: every thing once", sorted(batch),
             sorted(t["thingName"] for p in pages for t in p.get("things", [])))
    first = pag.paginate(attributeName="Batch", attributeValue=run,
                         PaginationConfig={"PageSize": 2, "MaxItems": 5}).build_full_result()
    check_eq("list_things paginator: MaxItems=5 returns 5", 5, len(first.get("things", [])))
    check("list_things paginator: MaxItems=5 returns a NextToken", bool(first.get("NextToken")))
    if first.get("NextToken"):
        rest = pag.paginate(attributeName="Batch", attributeValue=run,
                            PaginationConfig={"PageSize": 2, "StartingToken": first["NextToken"]}).build_full_result()
        check_eq("list_things paginator: resuming from NextToken returns the rest", sorted(batch),
                 sorted(t["thingName"] for t in first.get("things", []) + rest.get("things", [])))
        check("list_things paginator: no NextToken at the end", not rest.get("NextToken"), repr(rest.get("NextToken")))

    with open(args.state, "w") as f:
        json.dump(st, f)
    return c, st


def check_relations(c, st, suffix):
    r = call("list_thing_principals", c.list_thing_principals, thingName=st["thing"])
    if r:
        check_eq("list_thing_principals" + suffix, [st["certArn"]], r.get("principals"))
    r = call("list_principal_things", c.list_principal_things, principal=st["certArn"])
    if r:
        check_eq("list_principal_things" + suffix, [st["thing"]], r.get("things"))
    r = call("list_attached_policies", c.list_attached_policies, target=st["certArn"])
    if r:
        check_eq("list_attached_policies" + suffix, [st["policy"]], [p["policyName"] for p in r.get("policies", [])])
    r = call("list_targets_for_policy", c.list_targets_for_policy, policyName=st["policy"])
    if r:
        check_eq("list_targets_for_policy" + suffix, [st["certArn"]], r.get("targets"))


def verify(args):
    c = client(args)
    with open(args.state) as f:
        st = json.load(f)
    suffix = " after restart"
    r = call("describe_thing_type", c.describe_thing_type, thingTypeName=st["thingType"])
    if r:
        check_eq("describe_thing_type searchableAttributes" + suffix, ["BuildingName", "Location"],
                 r.get("thingTypeProperties", {}).get("searchableAttributes"))
    r = call("describe_thing", c.describe_thing, thingName=st["thing"])
    if r:
        check_eq("describe_thing" + suffix, (st.get("thingId"), st["thingType"], ATTRS, 1),
                 (r.get("thingId"), r.get("thingTypeName"), r.get("attributes"), r.get("version")))
    r = call("describe_certificate", c.describe_certificate, certificateId=st["certId"])
    if r:
        d = r.get("certificateDescription", {})
        check_eq("describe_certificate" + suffix, ("ACTIVE", st["certPem"]), (d.get("status"), d.get("certificatePem")))
    r = call("get_policy", c.get_policy, policyName=st["policy"])
    if r:
        check_eq("get_policy policyDocument" + suffix, seed_policy(args.region, args.account_id),
                 _json(r.get("policyDocument")))
    check_relations(c, st, suffix)
    r = call("list_things by Batch", c.list_things, attributeName="Batch", attributeValue=st["batch"])
    if r:
        check_eq("list_things(Batch) count" + suffix, 7, len(r.get("things", [])))


def _is_uuid(s):
    try:
        uuid.UUID(str(s))
        return True
    except ValueError:
        return False


def _json(s):
    try:
        return json.loads(s)
    except (TypeError, ValueError):
        return s


def _check_key_matches(cert_pem, key_pem):
    """With the cryptography package (optional), the certificate's public key
    must be the returned private key's."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        print("SKIP: boto3: cryptography not installed, key/certificate match not checked", flush=True)
        return
    try:
        cert = x509.load_pem_x509_certificate(cert_pem.encode())
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
        fmt = (serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        check("certificate public key matches keyPair.PrivateKey",
              cert.public_key().public_bytes(*fmt) == key.public_key().public_bytes(*fmt))
    except Exception as e:  # noqa: BLE001
        check("certificate and private key parse", False, f"{type(e).__name__}: {e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["setup", "verify"])
    ap.add_argument("--endpoint-url", required=True)
    ap.add_argument("--region", required=True)
    ap.add_argument("--account-id", required=True)
    ap.add_argument("--state", required=True, help="JSON file: written by setup, read by verify")
    args = ap.parse_args()
    if args.mode == "setup":
        setup(args)
    else:
        verify(args)
    print(f"boto3 {args.mode}: {PASSED} passed, {FAILED} failed", flush=True)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
