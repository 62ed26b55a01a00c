"""Tests of the emulator's agency token, temporary AK/SK and ECS metadata service, over HTTP to a real process.

Requests with temporary keys are signed by the SDK core's own ``Signer``, security token included,
the way ``huaweicloudsdkcore`` clients sign them.
"""

import datetime
import json
import os
import subprocess
import sys
import time

import pytest
import requests
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, REPO_ROOT)

from emulator import seed  # noqa: E402

EU_DE = seed.PROJECT_EU_DE_ID
PARTNER = seed.PARTNER_PROJECT_EU_DE_ID
DATASETS = "/v2/%s/datasets"
SECURITY_TOKENS = "/v3.0/OS-CREDENTIAL/securitytokens"
METADATA_TOKEN = "/meta-data/latest/api/token"
SECURITY_KEY = "/openstack/latest/securitykey"
ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
LEAVE_OUT = object()  # an assume_role key not to send at all


class Keys(object):
    """What ``Signer`` needs: ``ak`` and ``sk``."""

    def __init__(self, ak, sk):
        self.ak = ak
        self.sk = sk


@pytest.fixture(scope="module")
def base_url(emulator_url):
    return emulator_url


@pytest.fixture(autouse=True)
def fresh_state(base_url):
    assert requests.post(base_url + "/_emulator/reset").status_code == 200


def configure(base_url, **settings):
    response = requests.post(base_url + "/_emulator/config", json=settings)
    assert response.status_code == 200, response.text
    return response.json()


def user_token(base_url):
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": seed.USER_NAME, "password": seed.USER_PASSWORD, "domain": {"name": seed.DOMAIN_NAME}}}},
        "scope": {"project": {"name": seed.PROJECT_EU_DE_NAME}}}}
    response = requests.post(base_url + "/v3/auth/tokens", json=body)
    assert response.status_code == 201, response.text
    return response.headers["X-Subject-Token"]


def assume_role_body(scope=None, **assume_role):
    role = {"domain_name": seed.PARTNER_DOMAIN_NAME, "agency_name": seed.AGENCY_NAME}
    role.update(assume_role)
    role = dict((key, value) for key, value in role.items() if value is not LEAVE_OUT)
    body = {"auth": {"identity": {"methods": ["assume_role"], "assume_role": role}}}
    if scope is not None:
        body["auth"]["scope"] = scope
    return body


def agency_token_request(base_url, token, **assume_role):
    scope = assume_role.pop("scope", {"project": {"name": seed.PARTNER_PROJECT_EU_DE_NAME}})
    headers = {"X-Auth-Token": token} if token is not None else {}
    return requests.post(base_url + "/v3/auth/tokens", json=assume_role_body(scope, **assume_role), headers=headers)


def sdk_signed(base_url, method, path, keys, security_token=None, body=""):
    """Sign like an SDK client: the security token (if any) is a header, signed with the others."""
    host = base_url.split("://", 1)[1]
    headers = {"Content-Type": "application/json"}
    if security_token is not None:
        headers["X-Security-Token"] = security_token
    request = SdkRequest(method=method, schema="http", host=host, resource_path=path, query_params=[],
                         header_params=headers, body=body)
    Signer(Keys(keys["access"], keys["secret"])).sign(request)
    return requests.request(method, "http://%s%s" % (host, request.uri), headers=request.header_params, data=request.body)


def temporary_keys(base_url, body, token=None, signed=False):
    """POST securitytokens with X-Auth-Token or signed with emulator-user's permanent keys; return the credential."""
    if signed:
        permanent = {"access": seed.PERMANENT_AK, "secret": seed.PERMANENT_SK}
        response = sdk_signed(base_url, "POST", SECURITY_TOKENS, permanent, body=json.dumps(body))
    else:
        response = requests.post(base_url + SECURITY_TOKENS, json=body, headers={"X-Auth-Token": token})
    assert response.status_code == 201, response.text
    credential = response.json()["credential"]
    assert sorted(credential) == ["access", "expires_at", "secret", "securitytoken"]
    return credential


def seconds_left(expires_at):
    moment = datetime.datetime.strptime(expires_at, ISO_FORMAT).replace(tzinfo=datetime.timezone.utc)
    return (moment - datetime.datetime.now(datetime.timezone.utc)).total_seconds()


def assert_iam_error(response, status, error_code, *words):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == error_code and body["error"]["code"] == status, body
    for word in words:
        assert word in body["error_msg"], body
    return body["error_msg"]


def assert_error(response, status, error_code):
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == error_code, response.text
    return response.json()["error_msg"]


def dataset_names(response):
    assert response.status_code == 200, response.text
    return [dataset["dataset_name"] for dataset in response.json()["datasets"]]


# --- agency token (obtaining_an_agency_token.rst) ---

def test_agency_token_by_domain_and_project_name(base_url):
    response = agency_token_request(base_url, user_token(base_url), duration_seconds=3600)
    assert response.status_code == 201, response.text
    assert response.headers["X-Subject-Token"].startswith("MII")
    token = response.json()["token"]
    assert token["methods"] == ["assume_role"]
    partner = {"id": seed.PARTNER_DOMAIN_ID, "name": seed.PARTNER_DOMAIN_NAME}
    assert token["project"] == {"id": PARTNER, "name": seed.PARTNER_PROJECT_EU_DE_NAME, "domain": partner}
    assert token["user"] == {"id": seed.AGENCY_ID, "name": "partner-domain/audit-agency", "domain": partner}
    assert token["assumed_by"]["user"]["name"] == seed.USER_NAME
    assert token["assumed_by"]["user"]["domain"] == {"id": seed.DOMAIN_ID, "name": seed.DOMAIN_NAME}
    issued = datetime.datetime.strptime(token["issued_at"], ISO_FORMAT)
    assert datetime.datetime.strptime(token["expires_at"], ISO_FORMAT) - issued == datetime.timedelta(seconds=3600)


def test_agency_token_by_domain_id_with_xrole_name_and_project_id(base_url):
    response = agency_token_request(base_url, user_token(base_url), domain_name=LEAVE_OUT, domain_id=seed.PARTNER_DOMAIN_ID,
                                    agency_name=LEAVE_OUT, xrole_name=seed.AGENCY_NAME, scope={"project": {"id": PARTNER}})
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    assert token["project"]["id"] == PARTNER
    # Without duration_seconds, an agency token lives 24 hours (the page), the configured token_ttl_seconds.
    issued = datetime.datetime.strptime(token["issued_at"], ISO_FORMAT)
    assert datetime.datetime.strptime(token["expires_at"], ISO_FORMAT) - issued == datetime.timedelta(days=1)


def test_agency_token_serves_the_partner_project_only(base_url):
    token = agency_token_request(base_url, user_token(base_url)).headers["X-Subject-Token"]
    headers = {"X-Auth-Token": token}
    assert dataset_names(requests.get(base_url + DATASETS % PARTNER, headers=headers)) == [seed.PARTNER_DATASET_NAME]
    assert_error(requests.get(base_url + DATASETS % EU_DE, headers=headers), 403, "ModelArts.0210")
    projects = requests.get(base_url + "/v3/projects", headers=headers, params={"name": "eu-de"}).json()["projects"]
    assert [(project["id"], project["domain_id"]) for project in projects] == [(PARTNER, seed.PARTNER_DOMAIN_ID)]
    # The user's own token still sees its own eu-de, and not the partner's.
    own = {"X-Auth-Token": user_token(base_url)}
    assert seed.PARTNER_DATASET_NAME not in dataset_names(requests.get(base_url + DATASETS % EU_DE, headers=own))
    assert_error(requests.get(base_url + DATASETS % PARTNER, headers=own), 403, "ModelArts.0210")


def test_agency_token_scoped_to_the_domain(base_url):
    response = agency_token_request(base_url, user_token(base_url), scope={"domain": {"name": seed.PARTNER_DOMAIN_NAME}})
    assert response.status_code == 201, response.text
    assert response.json()["token"]["domain"]["id"] == seed.PARTNER_DOMAIN_ID
    assert "project" not in response.json()["token"]
    denied = requests.get(base_url + DATASETS % PARTNER, headers={"X-Auth-Token": response.headers["X-Subject-Token"]})
    assert_error(denied, 403, "ModelArts.0210")


@pytest.mark.parametrize("assume_role, agency, domain", [
    ({"agency_name": "no-such-agency"}, "no-such-agency", seed.PARTNER_DOMAIN_NAME),
    ({"domain_name": seed.DOMAIN_NAME}, seed.AGENCY_NAME, seed.DOMAIN_NAME),
    ({"domain_name": "no-such-domain"}, seed.AGENCY_NAME, "no-such-domain"),
    ({"domain_name": LEAVE_OUT, "domain_id": seed.DOMAIN_ID}, seed.AGENCY_NAME, seed.DOMAIN_ID),
    ({"domain_id": seed.DOMAIN_ID}, seed.AGENCY_NAME, seed.PARTNER_DOMAIN_NAME),
])
def test_unknown_agency_or_domain_is_404_naming_both(base_url, assume_role, agency, domain):
    response = agency_token_request(base_url, user_token(base_url), **assume_role)
    assert_iam_error(response, 404, "IAM.0004", agency, domain)


def test_agency_that_does_not_trust_the_caller_is_403(base_url):
    response = agency_token_request(base_url, user_token(base_url), agency_name=seed.UNTRUSTING_AGENCY_NAME)
    assert_iam_error(response, 403, "IAM.0002", seed.UNTRUSTING_AGENCY_NAME, seed.PARTNER_DOMAIN_NAME, seed.DOMAIN_NAME)


@pytest.mark.parametrize("duration", [899, 86401, "3600", True, None])
def test_bad_duration_is_400(base_url, duration):
    response = agency_token_request(base_url, user_token(base_url), duration_seconds=duration)
    assert_iam_error(response, 400, "IAM.0007", "duration_seconds")
    keys = requests.post(base_url + SECURITY_TOKENS, json=assume_role_body(duration_seconds=duration),
                         headers={"X-Auth-Token": user_token(base_url)})
    assert_iam_error(keys, 400, "IAM.0007", "duration_seconds")


def test_agency_token_needs_a_valid_user_token(base_url):
    assert_iam_error(agency_token_request(base_url, None), 401, "IAM.0001")
    assert_iam_error(agency_token_request(base_url, "made-up"), 401, "IAM.0001", "X-Auth-Token")
    # The page asks for X-Auth-Token: an AK/SK-signed request is not enough.
    permanent = {"access": seed.PERMANENT_AK, "secret": seed.PERMANENT_SK}
    body = assume_role_body({"project": {"name": "eu-de"}})
    signed = sdk_signed(base_url, "POST", "/v3/auth/tokens", permanent, body=json.dumps(body))
    assert_iam_error(signed, 401, "IAM.0001", "AK/SK")
    # agency_name and xrole_name naming different agencies is a bad request.
    both = agency_token_request(base_url, user_token(base_url), xrole_name=seed.UNTRUSTING_AGENCY_NAME)
    assert_iam_error(both, 400, "IAM.0011", "xrole_name")


# --- temporary AK/SK (obtaining_a_temporary_ak_sk.rst) ---

def test_temporary_keys_by_signature_and_by_token(base_url):
    signed = temporary_keys(base_url, assume_role_body(), signed=True)
    assert 880 < seconds_left(signed["expires_at"]) <= 900  # the default: 15 minutes
    by_token = temporary_keys(base_url, assume_role_body(domain_name=LEAVE_OUT, domain_id=seed.PARTNER_DOMAIN_ID,
                                                         agency_name=LEAVE_OUT, xrole_name=seed.AGENCY_NAME,
                                                         duration_seconds=3600), token=user_token(base_url))
    assert 3580 < seconds_left(by_token["expires_at"]) <= 3600
    assert signed["access"] != by_token["access"] and signed["securitytoken"] != by_token["securitytoken"]
    for keys in (signed, by_token):
        accepted = sdk_signed(base_url, "GET", DATASETS % PARTNER, keys, keys["securitytoken"])
        assert dataset_names(accepted) == [seed.PARTNER_DATASET_NAME]


def test_temporary_keys_need_their_security_token_and_the_partner_project(base_url):
    keys = temporary_keys(base_url, assume_role_body(), token=user_token(base_url))
    without = sdk_signed(base_url, "GET", DATASETS % PARTNER, keys)
    assert "X-Security-Token" in assert_error(without, 401, "APIG.0301")
    wrong = sdk_signed(base_url, "GET", DATASETS % PARTNER, keys, seed.TEMPORARY_SECURITY_TOKEN)
    assert_error(wrong, 401, "APIG.0301")
    assert_error(sdk_signed(base_url, "GET", DATASETS % EU_DE, keys, keys["securitytoken"]), 403, "ModelArts.0210")


def test_temporary_keys_scoped_to_a_project(base_url):
    keys = temporary_keys(base_url, assume_role_body({"project": {"name": "eu-de"}}), signed=True)
    assert sdk_signed(base_url, "GET", DATASETS % PARTNER, keys, keys["securitytoken"]).status_code == 200
    unknown = requests.post(base_url + SECURITY_TOKENS, json=assume_role_body({"project": {"id": EU_DE}}),
                            headers={"X-Auth-Token": user_token(base_url)})
    assert_iam_error(unknown, 400, "IAM.0011", EU_DE, seed.PARTNER_DOMAIN_NAME)


def test_temporary_keys_expire(base_url):
    configure(base_url, assume_role_ttl_seconds=1)
    keys = temporary_keys(base_url, assume_role_body(duration_seconds=3600), signed=True)
    assert seconds_left(keys["expires_at"]) <= 1
    while seconds_left(keys["expires_at"]) > -0.2:
        time.sleep(0.1)
    expired = sdk_signed(base_url, "GET", DATASETS % PARTNER, keys, keys["securitytoken"])
    assert "expired" in assert_error(expired, 401, "APIG.0301")
    # The override also shortens agency tokens.
    response = agency_token_request(base_url, user_token(base_url), duration_seconds=3600)
    assert seconds_left(response.json()["token"]["expires_at"]) <= 1


def test_temporary_keys_of_a_token(base_url):
    body = {"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": 900}}}}
    # A user token's keys are the user's: emulator-domain's projects.
    own = temporary_keys(base_url, body, token=user_token(base_url))
    assert sdk_signed(base_url, "GET", DATASETS % EU_DE, own, own["securitytoken"]).status_code == 200
    assert_error(sdk_signed(base_url, "GET", DATASETS % PARTNER, own, own["securitytoken"]), 403, "ModelArts.0210")
    # An agency token's keys are the agency's; the token may also come in the body (auth.identity.token.id).
    agency_token = agency_token_request(base_url, user_token(base_url)).headers["X-Subject-Token"]
    in_body = {"auth": {"identity": {"methods": ["token"], "token": {"id": agency_token}}}}
    response = requests.post(base_url + SECURITY_TOKENS, json=in_body)
    assert response.status_code == 201, response.text
    agency = response.json()["credential"]
    assert sdk_signed(base_url, "GET", DATASETS % PARTNER, agency, agency["securitytoken"]).status_code == 200
    assert_iam_error(requests.post(base_url + SECURITY_TOKENS, json=body), 401, "IAM.0001")
    unknown_method = {"auth": {"identity": {"methods": ["password"]}}}
    assert_iam_error(requests.post(base_url + SECURITY_TOKENS, json=unknown_method), 400, "IAM.0011")


def test_temporary_keys_of_an_untrusting_agency_are_refused(base_url):
    body = assume_role_body(agency_name=seed.UNTRUSTING_AGENCY_NAME)
    permanent = {"access": seed.PERMANENT_AK, "secret": seed.PERMANENT_SK}
    assert_iam_error(sdk_signed(base_url, "POST", SECURITY_TOKENS, permanent, body=json.dumps(body)), 403, "IAM.0002")
    assert_iam_error(requests.post(base_url + SECURITY_TOKENS, json=assume_role_body()), 401, "IAM.0001")


# --- ECS metadata service ---

def security_key(base_url, session=None):
    headers = {"X-Metadata-Token": session} if session is not None else {}
    return requests.get(base_url + SECURITY_KEY, headers=headers)


def session_token(base_url, ttl="600"):
    return requests.put(base_url + METADATA_TOKEN, headers={"X-Metadata-Token-TTL-Seconds": ttl})


def test_metadata_optional_session_is_the_default(base_url):
    assert requests.get(base_url + "/_emulator/config").json()["metadata_session"] == "optional"
    plain = security_key(base_url)
    assert plain.status_code == 200, plain.text
    keys = plain.json()["credential"]
    assert sorted(keys) == ["access", "expires_at", "secret", "securitytoken"]
    assert 3500 < seconds_left(keys["expires_at"]) <= 3600
    session = session_token(base_url)
    assert session.status_code == 200 and session.headers["Content-Type"] == "text/plain"
    assert security_key(base_url, session.text).json()["credential"] == keys  # the same keys until they expire
    assert_error(security_key(base_url, "made-up"), 401, "METADATA.0401")
    # The default account is emulator-user's: the keys work for emulator-domain's projects.
    assert sdk_signed(base_url, "GET", DATASETS % EU_DE, keys, keys["securitytoken"]).status_code == 200
    assert_error(sdk_signed(base_url, "GET", DATASETS % PARTNER, keys, keys["securitytoken"]), 403, "ModelArts.0210")


def test_metadata_required_session(base_url):
    configure(base_url, metadata_session="required")
    assert "PUT /meta-data/latest/api/token" in assert_error(security_key(base_url), 401, "METADATA.0401")
    session = session_token(base_url, "1")
    assert session.status_code == 200, session.text
    assert security_key(base_url, session.text).status_code == 200
    time.sleep(1.2)
    assert_error(security_key(base_url, session.text), 401, "METADATA.0401")
    for ttl in ("0", "21601", "soon"):
        assert_error(session_token(base_url, ttl), 400, "METADATA.0400")
    assert_error(requests.put(base_url + METADATA_TOKEN), 400, "METADATA.0400")


def test_metadata_without_session_step(base_url):
    configure(base_url, metadata_session="absent")
    assert_error(session_token(base_url), 404, "METADATA.0404")
    assert security_key(base_url).status_code == 200
    assert security_key(base_url, "ignored-here").status_code == 200


def test_short_lived_metadata_keys_are_renewed_after_expiry(base_url):
    configure(base_url, metadata_key_ttl_seconds=2)
    first = security_key(base_url).json()["credential"]
    assert seconds_left(first["expires_at"]) <= 2
    if seconds_left(first["expires_at"]) > 0.5:  # a loaded machine may be slower than that
        assert security_key(base_url).json()["credential"] == first
        assert sdk_signed(base_url, "GET", DATASETS % EU_DE, first, first["securitytoken"]).status_code == 200
    while seconds_left(first["expires_at"]) > -0.2:
        time.sleep(0.1)
    assert "expired" in assert_error(sdk_signed(base_url, "GET", DATASETS % EU_DE, first, first["securitytoken"]),
                                     401, "APIG.0301")
    second = security_key(base_url).json()["credential"]
    assert second["access"] != first["access"] and second["securitytoken"] != first["securitytoken"]
    assert seconds_left(second["expires_at"]) > 0
    assert sdk_signed(base_url, "GET", DATASETS % EU_DE, second, second["securitytoken"]).status_code == 200


def test_metadata_account_is_configurable(base_url):
    configure(base_url, metadata_account=seed.PARTNER_DOMAIN_NAME)
    keys = security_key(base_url).json()["credential"]
    assert dataset_names(sdk_signed(base_url, "GET", DATASETS % PARTNER, keys, keys["securitytoken"])) == [
        seed.PARTNER_DATASET_NAME]
    configure(base_url, metadata_account="none")
    assert "Please configure Cloud Service Agency first" in assert_error(security_key(base_url), 401, "METADATA.0402")


# --- admin ---

def test_config_is_validated_and_reset_restores_the_defaults(base_url):
    for key, value in (("metadata_session", "sometimes"), ("metadata_account", "nobody"), ("metadata_key_ttl_seconds", -1),
                       ("assume_role_ttl_seconds", "1")):
        response = requests.post(base_url + "/_emulator/config", json={key: value})
        assert response.status_code == 400 and key in response.json()["error_msg"], response.text
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(path for path in (REPO_ROOT, env.get("PYTHONPATH")) if path)
    changed = subprocess.run([sys.executable, "-m", "emulator", "admin", "--url", base_url, "config",
                              '{"metadata_session": "required", "metadata_key_ttl_seconds": 5, "assume_role_ttl_seconds": 7}'],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, check=False)
    assert changed.returncode == 0, changed.stderr
    assert json.loads(changed.stdout)["metadata_session"] == "required"
    assert requests.post(base_url + "/_emulator/reset").status_code == 200
    config = requests.get(base_url + "/_emulator/config").json()
    assert (config["metadata_session"], config["metadata_key_ttl_seconds"], config["metadata_account"],
            config["assume_role_ttl_seconds"]) == ("optional", 3600, seed.DOMAIN_NAME, 0)


def test_stats_count_the_new_routes(base_url):
    token = user_token(base_url)
    agency_token_request(base_url, token)
    requests.post(base_url + SECURITY_TOKENS, json=assume_role_body(), headers={"X-Auth-Token": token})
    session_token(base_url)
    security_key(base_url)
    security_key(base_url)
    stats = requests.get(base_url + "/_emulator/stats").json()
    assert stats["total"] == 6
    assert stats["by_route"] == {"POST /v3/auth/tokens": 2, "POST /v3.0/OS-CREDENTIAL/securitytokens": 1,
                                 "PUT /meta-data/latest/api/token": 1, "GET /openstack/latest/securitykey": 2}
