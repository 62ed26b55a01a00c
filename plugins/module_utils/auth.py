# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ways a request is authorized: AK/SK signature, IAM password token, given token, and the
temporary keys of the ECS the run is on (its metadata service).

Each method is one class. As a provider it offers ``authorize(method, url,
headers, body) -> headers`` and ``reauthenticate() -> bool`` (True when a
fresh credential makes a retry of a 401 worthwhile), which is all ``ApiClient``
needs to know. As a declaration it names the options that select it, the ones
it needs, its secrets, their environment variables and their ``clouds.yaml``
keys: ``connection`` and ``clouds_yaml`` are driven by ``AUTH_METHODS``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time
from typing import Callable, Dict, Optional, Tuple

from ansible_collections.mlops.cloud.plugins.module_utils.iam import request_password_token
from ansible_collections.mlops.cloud.plugins.module_utils.metadata import DEFAULT_METADATA_ENDPOINT, MetadataKeySource
from ansible_collections.mlops.cloud.plugins.module_utils.signer import sign_request
from ansible_collections.mlops.cloud.plugins.module_utils.temporary_keys import RenewedKeysAuth
from ansible_collections.mlops.cloud.plugins.module_utils.token_cache import cache_key

PROJECT_HEADER = 'X-Project-Id'
TOKEN_HEADER = 'X-Auth-Token'


class AuthMethod:
    """What every method declares (the defaults are an empty declaration)."""

    name = ''
    # Options whose value, given as an option or in clouds.yaml, selects this method.
    selectors = ()  # type: Tuple[str, ...]
    # Options whose environment variables select it (a stray OS_SECURITY_TOKEN alone does not).
    env_selectors = ()  # type: Tuple[str, ...]
    required = ()  # type: Tuple[str, ...]
    optional = ()  # type: Tuple[str, ...]
    secrets = ()  # type: Tuple[str, ...]
    environment = {}  # type: Dict[str, Tuple[str, ...]]
    profile_keys = {}  # type: Dict[str, Tuple[str, ...]]
    auth_types = ()  # type: Tuple[str, ...]
    rejection_hint = ''

    @classmethod
    def options(cls) -> Tuple[str, ...]:
        return cls.required + cls.optional

    def reauthenticate(self, rejected_headers: Dict[str, str]) -> bool:
        return False


class AkSkAuth(AuthMethod):
    """Signs every request; a 401 means the keys or the clock are wrong, so no retry."""

    name = 'AK/SK'
    selectors = ('access_key', 'secret_key', 'security_token')
    env_selectors = ('access_key', 'secret_key')
    required = ('access_key', 'secret_key')
    optional = ('security_token',)
    secrets = ('secret_key', 'security_token')
    environment = {
        'access_key': ('OS_ACCESS_KEY', 'HW_ACCESS_KEY', 'HUAWEICLOUD_SDK_AK'),
        'secret_key': ('OS_SECRET_KEY', 'HW_SECRET_KEY', 'HUAWEICLOUD_SDK_SK'),
        'security_token': ('OS_SECURITY_TOKEN', 'HW_SECURITY_TOKEN', 'HUAWEICLOUD_SDK_SECURITY_TOKEN'),
    }
    profile_keys = {
        'access_key': ('ak', 'access_key', 'access'),
        'secret_key': ('sk', 'secret_key', 'secret'),
        'security_token': ('security_token', 'securitytoken'),
    }
    auth_types = ('aksk',)
    rejection_hint = ('the AK/SK signature was rejected: check access_key and secret_key (and security_token '
                      'for temporary keys), and that this clock is within 15 minutes of the real time')

    def __init__(self, access_key: str, secret_key: str, security_token: Optional[str] = None) -> None:
        self._access_key = access_key
        self._secret_key = secret_key
        self._security_token = security_token
        self._project_id = None  # type: Optional[str]

    @classmethod
    def from_values(cls, values: Dict, context: 'AuthContext') -> 'AkSkAuth':
        return cls(values['access_key'], values['secret_key'], values.get('security_token'))

    def scope_to(self, project_id: str) -> None:
        """Sign requests for ``project_id`` from now on (known only once the project is resolved)."""
        self._project_id = project_id

    def authorize(self, method, url, headers, body):
        headers = dict(headers)
        if self._project_id:
            headers[PROJECT_HEADER] = self._project_id
        return sign_request(method, url, headers, body, self._access_key, self._secret_key,
                            security_token=self._security_token)


class StaticTokenAuth(AuthMethod):
    """A token the user obtained; there is nothing to refresh it with."""

    name = 'token'
    selectors = env_selectors = required = ('auth_token',)
    secrets = ('auth_token',)
    environment = {'auth_token': ('OS_AUTH_TOKEN', 'HW_AUTH_TOKEN')}
    profile_keys = {'auth_token': ('token', 'auth_token')}
    auth_types = ('token', 'v3token')
    rejection_hint = 'the given auth_token was rejected: it may have expired (IAM tokens last 24 hours)'

    def __init__(self, token: str) -> None:
        self._token = token

    @classmethod
    def from_values(cls, values: Dict, context: 'AuthContext') -> 'StaticTokenAuth':
        return cls(values['auth_token'])

    def authorize(self, method, url, headers, body):
        headers = dict(headers)
        headers[TOKEN_HEADER] = self._token
        return headers


class CachedTokenAuth:
    """A token that ``_request()`` obtains, kept in ``cache`` between runs and obtained again when it is rejected.

    Subclasses call ``_init_token_state`` and give ``_request()``. The cache serves a token only to
    ``cache_secret`` (the password it was issued for); ``on_secret`` is told of every token the moment it is
    loaded or obtained, so that no message can show it. ``_renewal_due()`` lets a subclass renew before expiry.
    """

    cache_margin = None  # seconds of life a cached token must have left; None: the cache's own margin

    def _init_token_state(self, cache, cache_key_value, cache_secret, on_secret, clock=time.time):
        self._cache = cache if cache_key_value and cache_secret else None
        self._cache_key = cache_key_value
        self._cache_secret = cache_secret
        self._on_secret = on_secret or (lambda value: None)
        self._clock = clock
        self._token = None
        self._obtained_at = 0.0
        self._lock = threading.Lock()

    def _request(self):
        raise NotImplementedError

    def _renewal_due(self):
        return False

    def token(self):
        with self._lock:
            if self._token is None and self._cache is not None:
                margin = {} if self.cache_margin is None else {'margin': self.cache_margin}
                self._token = self._cache.load(self._cache_key, self._cache_secret, **margin)
                if self._token is not None:
                    self._on_secret(self._token.value)
                    self._obtained_at = self._clock()
            if self._token is None or self._renewal_due():
                self._token = self._fetch()
            return self._token

    def _fetch(self):
        token = self._request()
        self._on_secret(token.value)
        self._obtained_at = self._clock()
        if self._cache is not None:
            self._cache.store(self._cache_key, token, self._cache_secret)
        return token

    def authorize(self, method, url, headers, body):
        headers = dict(headers)
        headers[TOKEN_HEADER] = self.token().value
        return headers

    def reauthenticate(self, rejected_headers):
        """A cached or issued token can be revoked or expire early: drop it, ask IAM once more.

        Pages fetched concurrently can all meet the same expired token; only the
        first asks IAM, the others retry with the token it brought back.
        """
        with self._lock:
            current = self._token
            if current is None or current.value == rejected_headers.get(TOKEN_HEADER):
                if self._cache is not None:
                    self._cache.drop(self._cache_key)
                self._token = self._fetch()
        return True


class PasswordAuth(CachedTokenAuth, AuthMethod):
    """An IAM token for user and password, taken from the cache when a fresh one is there."""

    name = 'password'
    selectors = env_selectors = ('username', 'password')
    required = ('username', 'password', 'domain_name')
    secrets = ('password',)
    environment = {
        'username': ('OS_USERNAME', 'HW_USER_NAME'),
        'password': ('OS_PASSWORD', 'HW_USER_PASSWORD'),
        'domain_name': ('OS_USER_DOMAIN_NAME', 'OS_DOMAIN_NAME', 'HW_DOMAIN_NAME'),
    }
    profile_keys = {
        'username': ('username', 'user_name'),
        'password': ('password',),
        'domain_name': ('user_domain_name', 'domain_name'),
    }
    auth_types = ('password', 'v3password')
    rejection_hint = 'the credentials were rejected even with a freshly issued IAM token'

    def __init__(self, client, iam_endpoint, username, password, domain_name,
                 project_name=None, project_id=None, cache=None, on_secret=None):
        self._client = client
        self._iam_endpoint = iam_endpoint
        self._username = username
        self._password = password
        self._domain_name = domain_name
        self._project_name = project_name
        self._project_id = project_id
        self._init_token_state(cache, cache_key(iam_endpoint, domain_name, username, project_id or project_name),
                               password, on_secret)

    @classmethod
    def from_values(cls, values: Dict, context: 'AuthContext') -> 'PasswordAuth':
        return cls(context.client, context.iam_endpoint, values['username'], values['password'],
                   values['domain_name'], project_name=context.project_name, project_id=values.get('project_id'),
                   cache=context.cache, on_secret=context.on_secret)

    def _request(self):
        return request_password_token(self._client, self._iam_endpoint, self._username, self._password,
                                      self._domain_name, self._project_name, self._project_id)


class MetadataAuth(AuthMethod):
    """The temporary keys of the ECS this runs on, from its metadata service: only when asked for.

    They sign like any keys, with their security token, and are read again before they expire.
    """

    name = 'metadata'
    selectors = env_selectors = required = ('metadata_credentials',)
    optional = ('metadata_endpoint',)
    environment = {
        'metadata_credentials': ('HW_METADATA_CREDENTIALS',),
        'metadata_endpoint': ('HW_METADATA_ENDPOINT',),
    }
    profile_keys = {
        'metadata_credentials': ('metadata_credentials',),
        'metadata_endpoint': ('metadata_endpoint',),
    }
    rejection_hint = ('the temporary keys of the ECS metadata service were rejected even freshly read: check the '
                      'agency of the ECS and the permissions it grants')

    def __init__(self, source, on_secret=None) -> None:
        self.source = source
        self._keys = RenewedKeysAuth(source, self.rejection_hint, on_secret=on_secret)

    @classmethod
    def from_values(cls, values: Dict, context: 'AuthContext') -> 'MetadataAuth':
        verify = (values.get('ca_cert') or True) if values.get('validate_certs', True) else False
        source = MetadataKeySource(values.get('metadata_endpoint') or DEFAULT_METADATA_ENDPOINT, context.client,
                                   verify=verify, on_secret=context.on_secret)
        return cls(source, on_secret=context.on_secret)

    def keys(self):
        """The current keys (``TemporaryKeys``), read again when they are about to expire."""
        return self._keys.keys()

    def scope_to(self, project_id: str) -> None:
        self._keys.scope_to(project_id)

    def authorize(self, method, url, headers, body):
        return self._keys.authorize(method, url, headers, body)

    def reauthenticate(self, rejected_headers):
        return self._keys.reauthenticate(rejected_headers)


class AuthContext:
    """What a method may need besides its options: the client, IAM, the project, the cache."""

    def __init__(self, client, iam_endpoint: str, project_name: Optional[str], cache=None,
                 on_secret: Optional[Callable[[str], None]] = None) -> None:
        self.client = client
        self.iam_endpoint = iam_endpoint
        self.project_name = project_name
        self.cache = cache
        self.on_secret = on_secret


AUTH_METHODS = (AkSkAuth, PasswordAuth, StaticTokenAuth, MetadataAuth)
CREDENTIAL_OPTIONS = tuple(option for method in AUTH_METHODS for option in method.options())
SECRET_OPTIONS = tuple(option for method in AUTH_METHODS for option in method.secrets)
# Credential options that are booleans (the others are strings); the environment and clouds.yaml give them as text.
FLAG_OPTIONS = ('metadata_credentials',)
TRUE_WORDS = ('true', 'yes', 'on', '1')
FALSE_WORDS = ('false', 'no', 'off', '0', '')


def parse_flag(value):
    """True or False for a boolean given as a bool or as text (true/false, yes/no, on/off, 1/0); None otherwise."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def method_named(name: str):
    return next(method for method in AUTH_METHODS if method.name == name)


def method_owning(option: str):
    """The method an option belongs to, or None for options every method shares."""
    return next((method for method in AUTH_METHODS if option in method.options()), None)
