# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two IAM calls the collection needs: a password token, and a project id by name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import time
from typing import Optional

from ansible_collections.mlops.cloud.plugins.module_utils.errors import (
    ConfigurationError,
    ResponseFormatError,
)
from ansible_collections.mlops.cloud.plugins.module_utils.token_cache import CachedToken

# Used when IAM's expires_at cannot be read: tokens live 24 h, assume less.
FALLBACK_TOKEN_LIFETIME = 12 * 3600


def _parse_expiry(value) -> Optional[float]:
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
    value = response.headers.get('X-Subject-Token')
    token = response.body.get('token') if isinstance(response.body, dict) else None
    if not value or not isinstance(token, dict):
        raise ResponseFormatError('IAM token request answered without an X-Subject-Token header or a token body')
    if not all(32 < ord(char) < 127 for char in value):
        raise ResponseFormatError('IAM token request answered with an X-Subject-Token that is not printable ASCII')
    project = token.get('project') if isinstance(token.get('project'), dict) else {}
    expires_at = _parse_expiry(token.get('expires_at')) or time.time() + FALLBACK_TOKEN_LIFETIME
    return CachedToken(value, expires_at, project.get('id') or project_id)


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
