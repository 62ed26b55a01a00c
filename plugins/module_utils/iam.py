# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IAM calls the collection needs: a password token, a project id by name, and, to act through an
agency, an agency token or temporary AK/SK (``obtaining_an_agency_token.rst``, ``obtaining_a_temporary_ak_sk.rst``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import time
from typing import Optional

from ansible_collections.mlops.cloud.plugins.module_utils.errors import (
    ApiError,
    ConfigurationError,
    ResponseFormatError,
)
from ansible_collections.mlops.cloud.plugins.module_utils.temporary_keys import TemporaryKeys
from ansible_collections.mlops.cloud.plugins.module_utils.token_cache import CachedToken

# Used when IAM's expires_at cannot be read: tokens live 24 h, assume less.
FALLBACK_TOKEN_LIFETIME = 12 * 3600
# The same for temporary keys: they live at least 15 minutes.
FALLBACK_KEY_LIFETIME = 900


def parse_expiry(value) -> Optional[float]:
    """Epoch seconds from IAM's ``2026-11-29T10:00:00.000000Z``."""
    if not isinstance(value, str):
        return None
    text = value.strip().rstrip('Z').split('.')[0]
    try:
        return float(calendar.timegm(time.strptime(text, '%Y-%m-%dT%H:%M:%S')))
    except ValueError:
        return None


def request_password_token(client, iam_endpoint, username, password, domain_name,
                           project_name=None, project_id=None):
    """POST /auth/tokens; returns a ``CachedToken`` scoped to the project."""
    scope = {'id': project_id} if project_id else {'name': project_name}
    body = {
        'auth': {
            'identity': {
                'methods': ['password'],
                'password': {'user': {'name': username, 'password': password,
                                      'domain': {'name': domain_name}}},
            },
            'scope': {'project': scope},
        }
    }
    response = client.request('POST', iam_endpoint, '/auth/tokens', json_body=body,
                              action='IAM token request for user %s' % username, authenticate=False,
                              idempotent=True)  # another token for the same user changes nothing
    return _token_from_answer(response, project_id, 'IAM token request')


def _token_from_answer(response, project_id, action):
    value = response.headers.get('X-Subject-Token')
    token = response.body.get('token') if isinstance(response.body, dict) else None
    if not value or not isinstance(token, dict):
        raise ResponseFormatError('%s answered without an X-Subject-Token header or a token body' % action)
    if not all(32 < ord(char) < 127 for char in value):
        raise ResponseFormatError('%s answered with an X-Subject-Token that is not printable ASCII' % action)
    project = token.get('project') if isinstance(token.get('project'), dict) else {}
    expires_at = parse_expiry(token.get('expires_at')) or time.time() + FALLBACK_TOKEN_LIFETIME
    return CachedToken(value, expires_at, project.get('id') or project_id)


# What the user can do about IAM refusing an agency, by HTTP status.
AGENCY_HINTS = {
    400: 'check agency_duration (900 to 86400 seconds) and the project',
    401: 'the credentials the agency is assumed with were rejected',
    403: 'the agency does not trust your account, or your user lacks the Agent Operator role in it',
    404: 'check agency_name and agency_domain_name or agency_domain_id (the account that created the agency)',
}


def _assume(client, base, endpoint, path, body, action):
    """POST an assume_role request authorized by ``base``; an IAM refusal says what to check."""
    try:
        # Asking again changes nothing but the credential handed out.
        return client.request('POST', endpoint, path, json_body=body, action=action, auth=base, idempotent=True)
    except ApiError as error:
        if AGENCY_HINTS.get(error.status) and not error.hint:
            error.add_hint(AGENCY_HINTS[error.status])
        raise


def request_agency_token(client, iam_endpoint, base, agency, project_id=None, project_name=None):
    """POST /auth/tokens with ``assume_role``, authorized by ``base``'s token: a ``CachedToken`` of
    ``agency`` (``agency.Agency``) scoped to the delegating account's project, by id or by name."""
    body = {
        'auth': {
            'identity': {'methods': ['assume_role'], 'assume_role': agency.assume_role_block()},
            'scope': {'project': {'id': project_id} if project_id else {'name': project_name}},
        }
    }
    action = 'Assuming %s' % agency.describe()
    return _token_from_answer(_assume(client, base, iam_endpoint, '/auth/tokens', body, action), project_id, action)


def credential_endpoint(iam_endpoint):
    """The IAM base of ``/v3.0/OS-CREDENTIAL`` (temporary keys live under v3.0, not v3)."""
    if not iam_endpoint.endswith('/v3'):
        raise ConfigurationError('iam_endpoint must end in /v3 (like OS_AUTH_URL) to obtain the temporary keys '
                                 'of an agency: they are asked for at the same place with /v3.0')
    return iam_endpoint[:-len('/v3')] + '/v3.0'


def request_temporary_keys(client, iam_endpoint, base, agency):
    """POST /v3.0/OS-CREDENTIAL/securitytokens with ``assume_role``, signed (or authorized) by ``base``:
    ``TemporaryKeys`` acting for the delegating account."""
    body = {'auth': {'identity': {'methods': ['assume_role'], 'assume_role': agency.assume_role_block()}}}
    action = 'Assuming %s (temporary AK/SK)' % agency.describe()
    response = _assume(client, base, credential_endpoint(iam_endpoint), '/OS-CREDENTIAL/securitytokens', body, action)
    return keys_from_credential(response.body, action)


def lookup_project_id(client, iam_endpoint: str, project_name: str) -> str:
    """GET /projects?name=; the id of the one project with that name."""
    body = client.get(iam_endpoint, '/projects', query={'name': project_name},
                      action='IAM project lookup for %s' % project_name)
    projects = body.get('projects') if isinstance(body, dict) else None
    if not isinstance(projects, list):
        raise ResponseFormatError('IAM project lookup answered without a "projects" list')
    ids = [project.get('id') for project in projects
           if isinstance(project, dict) and project.get('name') == project_name]
    if not ids:
        raise ConfigurationError('IAM knows no project named %s; set project_id or project_name '
                                 '(it defaults to the region)' % project_name)
    return ids[0]


def _header_safe(value):
    return isinstance(value, str) and bool(value) and all(32 < ord(char) < 127 for char in value)


def keys_from_credential(body, action):
    """``TemporaryKeys`` from ``{"credential": {"access", "secret", "securitytoken", "expires_at"}}``, the answer
    of IAM's securitytokens and of the ECS metadata service alike."""
    credential = body.get('credential') if isinstance(body, dict) else None
    if not isinstance(credential, dict):
        raise ResponseFormatError('%s answered without a "credential" object' % action)
    access, secret, security_token = (credential.get(key) for key in ('access', 'secret', 'securitytoken'))
    # The key and the token go into HTTP headers as they are; the secret only into the HMAC.
    if not (_header_safe(access) and _header_safe(security_token) and isinstance(secret, str) and secret):
        raise ResponseFormatError('%s answered without usable access, secret and securitytoken values' % action)
    expires_at = parse_expiry(credential.get('expires_at')) or time.time() + FALLBACK_KEY_LIFETIME
    return TemporaryKeys(access, secret, security_token, expires_at)
