# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SDK-HMAC-SHA256 request signing, as the API gateway of both clouds checks it.

The algorithm follows the official SDK core's ``Signer``; that SDK is a
test-time oracle only, so this file is self-contained (standard library).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import hmac

from urllib.parse import parse_qsl, quote, unquote, urlsplit

ALGORITHM = 'SDK-HMAC-SHA256'
DATE_HEADER = 'X-Sdk-Date'
DATE_FORMAT = '%Y%m%dT%H%M%SZ'
SECURITY_TOKEN_HEADER = 'X-Security-Token'


def _encode(value: str) -> str:
    return quote(value, safe='~')


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_uri(path: str) -> str:
    """Each segment percent-encoded (only ``~`` kept), always ending in ``/``."""
    encoded = '/'.join(_encode(segment) for segment in unquote(path or '/').split('/'))
    return encoded if encoded.endswith('/') else encoded + '/'


def canonical_query(query_pairs) -> str:
    """Pairs sorted by key then value, keys and values percent-encoded."""
    return '&'.join(
        '%s=%s' % (_encode(key), _encode(value)) for key, value in sorted(query_pairs)
    )


def encode_query(query_pairs) -> str:
    """The query string to send: the same encoding as the one signed."""
    return canonical_query(query_pairs)


def sign_request(method, url, headers, body, access_key, secret_key, security_token=None, now=None):
    """Return a copy of ``headers`` carrying the signature of the request.

    ``url`` is the URL exactly as it will be sent (query included), ``body``
    the bytes that will be sent (``b''`` for none). ``now`` is a UTC
    ``datetime`` for reproducible signatures; the current time otherwise.
    """
    parts = urlsplit(url)
    signed = dict(headers or {})
    if security_token:
        signed[SECURITY_TOKEN_HEADER] = security_token
    if not any(name.lower() == 'x-sdk-date' for name in signed):
        moment = now or datetime.datetime.now(datetime.timezone.utc)
        signed[DATE_HEADER] = moment.strftime(DATE_FORMAT)
    if not any(name.lower() == 'host' for name in signed):
        signed['Host'] = parts.netloc.rpartition('@')[2]

    values = {}
    for name, value in signed.items():
        values[name.lower()] = str(value).strip()
    signed_names = sorted(name for name in values if '_' not in name)

    if isinstance(body, str):
        body = body.encode()  # str.encode() is UTF-8 on every Python 3, whatever the locale
    canonical_request = '\n'.join([
        method.upper(),
        canonical_uri(parts.path),
        canonical_query(parse_qsl(parts.query, keep_blank_values=True)),
        ''.join('%s:%s\n' % (name, values[name]) for name in signed_names),
        ';'.join(signed_names),
        _sha256_hex(body or b''),
    ])
    date_value = values['x-sdk-date']
    string_to_sign = '\n'.join([ALGORITHM, date_value, _sha256_hex(canonical_request.encode())])
    signature = hmac.new(secret_key.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    signed['Authorization'] = '%s Access=%s, SignedHeaders=%s, Signature=%s' % (
        ALGORITHM, access_key, ';'.join(signed_names), signature)
    return signed
