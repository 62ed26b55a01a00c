"""Credential checks: IAM tokens issued by the emulator, and AK/SK request signatures.

Signatures are recomputed with the official SDK core's ``Signer`` rather than with code of our
own, so that a signing bug in the collection cannot be hidden by the same bug in the emulator.
"""

import datetime
import hmac
import re
import secrets
import string
import threading
from urllib.parse import parse_qsl

from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from emulator import seed
from emulator.errors import ApiError

SIGNING_ALGORITHM = "SDK-HMAC-SHA256"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_CLOCK_SKEW_SECONDS = 15 * 60
_AUTHORIZATION_PATTERN = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$")


class AuthError(ApiError):
    """A request rejected for its credentials."""


class Credentials(object):
    """What ``Signer`` needs (an object with ``ak`` and ``sk``), and what the keys may do.

    ``domain_id`` is the account whose projects the keys reach, ``project_ids`` narrows that to some
    of them (None: all), ``expires_at`` (epoch seconds, None: never) ends temporary keys.
    """

    def __init__(self, ak, sk, security_token=None, domain_id=seed.DOMAIN_ID, project_ids=None, expires_at=None):
        self.ak = ak
        self.sk = sk
        self.security_token = security_token
        self.domain_id = domain_id
        self.project_ids = project_ids
        self.expires_at = expires_at

    def allows(self, project_id):
        """Whether these keys may act in ``project_id``."""
        if project_id not in seed.DOMAINS[self.domain_id]["projects"]:
            return False
        return self.project_ids is None or project_id in self.project_ids


ACCESS_KEYS = {
    seed.PERMANENT_AK: Credentials(seed.PERMANENT_AK, seed.PERMANENT_SK),
    seed.TEMPORARY_AK: Credentials(seed.TEMPORARY_AK, seed.TEMPORARY_SK, seed.TEMPORARY_SECURITY_TOKEN),
}
_KEY_ALPHABET = string.ascii_uppercase + string.digits


class KeyRegistry(object):
    """The access keys the emulator accepts: the seeded ones, and the temporary ones it has issued
    (securitytokens, the metadata service), which stay valid until their ``expires_at``."""

    def __init__(self):
        self._lock = threading.Lock()
        self._keys = dict(ACCESS_KEYS)

    def get(self, access_key):
        with self._lock:
            return self._keys.get(access_key)

    def issue(self, domain_id, now, ttl_seconds, project_ids=None):
        """New temporary keys (AK, SK and security token) of ``domain_id``, valid ``ttl_seconds``."""
        credentials = Credentials("EMUTMP" + "".join(secrets.choice(_KEY_ALPHABET) for _position in range(14)),
                                  secrets.token_urlsafe(30), "gAAAAABemulator" + secrets.token_urlsafe(96),
                                  domain_id, project_ids, now + ttl_seconds)
        with self._lock:
            self._keys[credentials.ak] = credentials
        return credentials


class Token(object):
    """An issued token: scoped to ``project_id`` (None: scoped to its domain), of ``domain_id``'s
    account; ``agency_name`` is set for agency tokens (obtaining_an_agency_token.rst)."""

    def __init__(self, value, project_id, issued_at, expires_at, domain_id=seed.DOMAIN_ID, agency_name=None):
        self.value = value
        self.project_id = project_id
        self.issued_at = issued_at
        self.expires_at = expires_at
        self.domain_id = domain_id
        self.agency_name = agency_name
        self.revoked = False  # set by the expire_tokens_after fault


class TokenRegistry(object):
    """Tokens issued by ``POST /v3/auth/tokens``; only these are accepted afterwards."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens = {}

    def issue(self, project_id, now, ttl_seconds, domain_id=seed.DOMAIN_ID, agency_name=None):
        token = Token("MIIemulator" + secrets.token_urlsafe(48), project_id, now, now + ttl_seconds,
                      domain_id, agency_name)
        with self._lock:
            self._tokens[token.value] = token
        return token

    def expire_all(self):
        """Make every token issued so far invalid (as expired); later ones are unaffected."""
        with self._lock:
            for token in self._tokens.values():
                token.revoked = True

    def check(self, value, now):
        """Return the token, or raise AuthError if it is unknown or expired."""
        with self._lock:
            token = self._tokens.get(value)
        if token is None or token.revoked or now >= token.expires_at:
            raise AuthError(401, "APIG.0307", "The token must be updated.")
        return token


class SessionTokens(object):
    """The metadata service's session tokens (``PUT /meta-data/latest/api/token``)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._expiry = {}

    def issue(self, now, ttl_seconds):
        value = "emulator-metadata-" + secrets.token_urlsafe(32)
        with self._lock:
            self._expiry[value] = now + ttl_seconds
        return value

    def valid(self, value, now):
        with self._lock:
            expires_at = self._expiry.get(value)
        return expires_at is not None and now < expires_at


def no_credentials():
    return AuthError(401, "APIG.1000", "No credentials: send X-Auth-Token or an SDK-HMAC-SHA256 Authorization header.")


def _signature_error(reason):
    return AuthError(401, "APIG.0301", "Incorrect IAM authentication information: %s" % reason)


def _header_name(lower_name):
    """Title-case a header name (``x-sdk-date`` -> ``X-Sdk-Date``).

    The signer looks some headers up case-sensitively (``Content-Type``), so hand it the
    canonical spelling a client would have used, whatever casing arrived on the wire.
    """
    return "-".join(part.capitalize() for part in lower_name.split("-"))


def verify_signature(method, raw_path, raw_query, headers, body, now, keys=None):
    """Check an AK/SK-signed request; return its Credentials or raise AuthError (401).

    ``headers`` must be a case-insensitive mapping of the received headers, ``raw_path`` the
    path as received (still percent-encoded), ``raw_query`` the query string without ``?``,
    ``keys`` the KeyRegistry (default: the seeded keys only).
    """
    match = _AUTHORIZATION_PATTERN.match(headers.get("Authorization", "").strip())
    if match is None:
        raise _signature_error("malformed Authorization header, expected "
                               "'SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...'")
    access_key, signed_header_list, received_signature = match.groups()
    credentials = (keys if keys is not None else ACCESS_KEYS).get(access_key)
    if credentials is None:
        raise _signature_error("unknown access key (AK)")
    if credentials.security_token is not None:
        received_token = headers.get("X-Security-Token")
        if received_token is None or not hmac.compare_digest(received_token, credentials.security_token):
            raise _signature_error("temporary AK requires the matching X-Security-Token header")
    if credentials.expires_at is not None and now >= credentials.expires_at:
        moment = datetime.datetime.fromtimestamp(credentials.expires_at, datetime.timezone.utc)
        raise _signature_error("the temporary AK and its security token expired at %s"
                               % moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    signed_headers = signed_header_list.lower().split(";")
    for required in ("host", "x-sdk-date"):
        if required not in signed_headers:
            raise _signature_error("header '%s' must be among the signed headers" % required)
    _check_sdk_date(headers.get("X-Sdk-Date"), now)

    header_params = {}
    for name in signed_headers:
        value = headers.get(name)
        if value is None:
            raise _signature_error("signed header '%s' is missing from the request" % name)
        header_params[_header_name(name)] = value
    request = SdkRequest(method=method, schema="http", host=headers.get("Host"), resource_path=raw_path,
                         query_params=parse_qsl(raw_query, keep_blank_values=True),
                         header_params=header_params, body=body or "")
    expected = Signer(credentials).sign(request).header_params["Authorization"].rsplit("Signature=", 1)[1]
    if not hmac.compare_digest(expected.lower(), received_signature.lower()):
        raise _signature_error("verify aksk signature fail")
    return credentials


def _check_sdk_date(value, now):
    if not value:
        raise _signature_error("request expired / clock skew: header X-Sdk-Date is missing")
    try:
        signed_at = datetime.datetime.strptime(value, SDK_DATE_FORMAT).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise _signature_error("X-Sdk-Date '%s' is not in the format YYYYMMDDTHHMMSSZ" % value)
    skew = abs(signed_at.timestamp() - now)
    if skew > MAX_CLOCK_SKEW_SECONDS:
        raise _signature_error("request expired / clock skew: X-Sdk-Date is %d s off the server clock "
                               "(at most %d s allowed)" % (skew, MAX_CLOCK_SKEW_SECONDS))
