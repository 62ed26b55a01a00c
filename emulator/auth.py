"""Credential checks: IAM tokens issued by the emulator, and AK/SK request signatures.

Signatures are recomputed with the official SDK core's ``Signer`` rather than with code of our
own, so that a signing bug in the collection cannot be hidden by the same bug in the emulator.
"""

import datetime
import hmac
import re
import secrets
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
    """What ``Signer`` needs: an object with ``ak`` and ``sk``."""

    def __init__(self, ak, sk, security_token=None):
        self.ak = ak
        self.sk = sk
        self.security_token = security_token


ACCESS_KEYS = {
    seed.PERMANENT_AK: Credentials(seed.PERMANENT_AK, seed.PERMANENT_SK),
    seed.TEMPORARY_AK: Credentials(seed.TEMPORARY_AK, seed.TEMPORARY_SK, seed.TEMPORARY_SECURITY_TOKEN),
}


class Token(object):
    def __init__(self, value, project_id, issued_at, expires_at):
        self.value = value
        self.project_id = project_id
        self.issued_at = issued_at
        self.expires_at = expires_at
        self.revoked = False  # set by the expire_tokens_after fault


class TokenRegistry(object):
    """Tokens issued by ``POST /v3/auth/tokens``; only these are accepted afterwards."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens = {}

    def issue(self, project_id, now, ttl_seconds):
        token = Token("MIIemulator" + secrets.token_urlsafe(48), project_id, now, now + ttl_seconds)
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


def verify_signature(method, raw_path, raw_query, headers, body, now):
    """Check an AK/SK-signed request; return its Credentials or raise AuthError (401).

    ``headers`` must be a case-insensitive mapping of the received headers, ``raw_path`` the
    path as received (still percent-encoded), ``raw_query`` the query string without ``?``.
    """
    match = _AUTHORIZATION_PATTERN.match(headers.get("Authorization", "").strip())
    if match is None:
        raise _signature_error("malformed Authorization header, expected "
                               "'SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...'")
    access_key, signed_header_list, received_signature = match.groups()
    credentials = ACCESS_KEYS.get(access_key)
    if credentials is None:
        raise _signature_error("unknown access key (AK)")
    if credentials.security_token is not None:
        received_token = headers.get("X-Security-Token")
        if received_token is None or not hmac.compare_digest(received_token, credentials.security_token):
            raise _signature_error("temporary AK requires the matching X-Security-Token header")
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
