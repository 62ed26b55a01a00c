# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Acting in another account through an agency (IAM ``assume_role``), on top of any base method.

A token base (password, auth_token) obtains an **agency token** (``POST /v3/auth/tokens``,
``obtaining_an_agency_token.rst``), sent as ``X-Auth-Token``; a key base (AK/SK, ECS metadata keys)
obtains **temporary AK/SK** (``POST /v3.0/OS-CREDENTIAL/securitytokens``,
``obtaining_a_temporary_ak_sk.rst``) that sign every request. Either is renewed before it expires
(``temporary_keys.renewal_due``) and once on a 401, and is a secret from the moment it exists.

Agency tokens of a password base are cached like password tokens, bound to the base password.
Temporary keys are not cached: an AK/SK base signs locally, so keeping them saves one IAM request
a run at the price of a signing key on disk.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from typing import Dict, Optional

from ansible_collections.mlops.cloud.plugins.module_utils.auth import CachedTokenAuth
from ansible_collections.mlops.cloud.plugins.module_utils.iam import request_agency_token, request_temporary_keys
from ansible_collections.mlops.cloud.plugins.module_utils.temporary_keys import (
    RENEWAL_MARGIN_CAP_SECONDS,
    RenewedKeysAuth,
    renewal_due,
)

MIN_DURATION_SECONDS = 900
MAX_DURATION_SECONDS = 86400
# Option -> what it is, in the order messages list them.
AGENCY_OPTIONS = ('agency_name', 'agency_domain_name', 'agency_domain_id', 'agency_duration')


class Agency:
    """Which agency to assume: its name, the account (domain) that created it, and how long to hold it."""

    def __init__(self, name: str, domain_name: Optional[str] = None, domain_id: Optional[str] = None,
                 duration: Optional[int] = None) -> None:
        self.name = name
        self.domain_name = domain_name
        self.domain_id = domain_id
        self.duration = duration

    def describe(self) -> str:
        return 'agency %s of domain %s' % (self.name, self.domain_name or self.domain_id)

    def assume_role_block(self) -> Dict:
        """``auth.identity.assume_role`` of both requests.

        The agency goes in ``agency_name``: both API pages name it so in their parameter tables, which
        are the contract, while their examples send ``xrole_name``. IAM accepts either; the tables win.
        """
        block = {'agency_name': self.name}  # type: Dict
        if self.domain_id:
            block['domain_id'] = self.domain_id
        else:
            block['domain_name'] = self.domain_name
        if self.duration is not None:
            block['duration_seconds'] = self.duration  # none sent: IAM's default
        return block

    def cache_scope(self, project: Optional[str]) -> str:
        """What, besides the base identity, a cached agency token is for: never a password token's key."""
        return '\n'.join(['assume_role', 'domain_id' if self.domain_id else 'domain_name',
                          self.domain_id or self.domain_name or '', self.name, project or ''])


class AgencyTokenAuth(CachedTokenAuth):
    """An agency token obtained with the token of ``base`` (``PasswordAuth`` or ``StaticTokenAuth``).

    With ``cache`` it is kept between runs under ``cache_key``, served only to ``cache_secret`` (the
    base password), and taken from it only with the renewal margin's life left. It is renewed before it
    expires (``renewal_due``) as well as on a rejection.
    """

    cache_margin = RENEWAL_MARGIN_CAP_SECONDS

    def __init__(self, client, iam_endpoint, base, agency, project_id=None, project_name=None, cache=None,
                 cache_key=None, cache_secret=None, on_secret=None, clock=time.time):
        self._client = client
        self._iam_endpoint = iam_endpoint
        self._base = base
        self._agency = agency
        self._project_id = project_id
        self._project_name = project_name
        self._init_token_state(cache, cache_key, cache_secret, on_secret, clock)
        self.rejection_hint = ('the token of %s was rejected even freshly obtained: check the permissions the '
                               'agency grants in the project' % agency.describe())

    def _request(self):
        return request_agency_token(self._client, self._iam_endpoint, self._base, self._agency,
                                    self._project_id, self._project_name)

    def _renewal_due(self):
        return renewal_due(self._obtained_at, self._token.expires_at, self._clock())


def agency_keys_auth(client, iam_endpoint, base, agency, on_secret=None, clock=time.time):
    """A signer with the temporary keys of ``agency``, obtained with ``base``'s signature (AK/SK or metadata keys)."""
    return RenewedKeysAuth(lambda: request_temporary_keys(client, iam_endpoint, base, agency),
                           'the temporary keys of %s were rejected even freshly obtained: check the permissions '
                           'the agency grants in the project' % agency.describe(),
                           on_secret=on_secret, clock=clock)
