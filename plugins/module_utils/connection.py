# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection and authentication options shared by every module: the argument
spec, the environment fallbacks, and turning both into settings and an API client.

Credentials are resolved here rather than with ``env_fallback`` in the spec,
because the auth method is chosen by which options the user set: a value that
came from the environment must not make an explicit choice ambiguous.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import time
from urllib.parse import urlsplit

from typing import Dict

from ansible_collections.mlops.cloud.plugins.module_utils.auth import (
    AUTH_METHODS,
    CREDENTIAL_OPTIONS,
    SECRET_OPTIONS,
    AkSkAuth,
    AuthContext,
    PasswordAuth,
    method_named,
)
from ansible_collections.mlops.cloud.plugins.module_utils.client import ApiClient
from ansible_collections.mlops.cloud.plugins.module_utils.clouds_yaml import load_profile
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ConfigurationError
from ansible_collections.mlops.cloud.plugins.module_utils.iam import lookup_project_id
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import Redactor
from ansible_collections.mlops.cloud.plugins.module_utils.retries import MAX_BACKOFF_SECONDS, RetryPolicy
from ansible_collections.mlops.cloud.plugins.module_utils.token_cache import TokenCache, default_cache_dir

DEFAULT_CLOUD_DOMAIN = 'otc.t-systems.com'
MAX_CONCURRENT_REQUESTS = 32
MAX_TIMEOUT_SECONDS = 3600
MAX_RETRIES = 10
LOOPBACK_HOSTS = ('localhost', '127.0.0.1', '::1')
# Both go into endpoint host names: modelarts.<region>.<cloud_domain>.
HOST_LABELS = {'region': re.compile(r'[A-Za-z0-9-]+'), 'cloud_domain': re.compile(r'[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+')}

# Option -> environment variables, first one set wins; an explicit option wins over all.
# Credentials come from their method's declaration (auth.AUTH_METHODS).
ENVIRONMENT = dict(
    [(option, names) for method in AUTH_METHODS for option, names in method.environment.items()],
    project_id=('OS_PROJECT_ID', 'HW_PROJECT_ID'),
    project_name=('OS_PROJECT_NAME', 'HW_PROJECT_NAME'),
    region=('OS_REGION_NAME', 'HW_REGION_NAME'),
    iam_endpoint=('OS_AUTH_URL', 'HW_AUTH_URL'),
    cloud_domain=('HW_CLOUD',),
)

# Every default of the connection options, in one place (the spec and the doc fragment use them).
DEFAULTS = dict(validate_certs=True, timeout=30, max_retries=4, token_cache=True, max_concurrent_requests=16)
# Sent as HTTP header values (the token headers, the AK in the signature): visible ASCII only.
HEADER_CREDENTIALS = ('access_key', 'security_token', 'auth_token')


def run_time_bound(timeout, max_retries):
    """Seconds a run without ``wait`` may take: every attempt of one request, and every backoff."""
    return (max_retries + 1) * (timeout + MAX_BACKOFF_SECONDS)


def _credential_problem(option, value):
    """Why ``value`` cannot be used for ``option`` (never quoting it), or None."""
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return '%s contains a control character (a line break or tab inside the value); remove it' % option
    if option in HEADER_CREDENTIALS and not all(32 < ord(char) < 127 for char in value):
        return '%s contains a space or a character outside printable ASCII, which cannot be sent in an ' \
               'HTTP header; check the value' % option
    return None


def connection_argument_spec() -> Dict[str, Dict]:
    """The spec every module merges into its own (kept in step with doc fragment mlops.cloud.connection)."""
    spec = dict((option, dict(type='str', no_log=option in SECRET_OPTIONS)) for option in CREDENTIAL_OPTIONS)
    spec.update(
        cloud=dict(type='str'),
        project_id=dict(type='str'),
        project_name=dict(type='str'),
        region=dict(type='str'),
        cloud_domain=dict(type='str'),
        modelarts_endpoint=dict(type='str'),
        iam_endpoint=dict(type='str'),
        ca_cert=dict(type='path'),
        validate_certs=dict(type='bool', default=DEFAULTS['validate_certs']),
        timeout=dict(type='int', default=DEFAULTS['timeout']),
        max_retries=dict(type='int', default=DEFAULTS['max_retries']),
        token_cache=dict(type='bool', default=DEFAULTS['token_cache']),
        max_concurrent_requests=dict(type='int', default=DEFAULTS['max_concurrent_requests']),
    )
    return spec


def _env_value(option, environ):
    for name in ENVIRONMENT.get(option, ()):
        if environ.get(name):
            return environ[name], name
    return None, None


class ConnectionSettings:
    """Resolved options: what the user set, else the ``clouds.yaml`` profile named by
    ``cloud`` (or ``OS_CLOUD``), else the environment, else defaults.

    With a profile, the environment still fills options the profile leaves unset, but
    never credentials: the profile (or the options) chose the authentication method.
    """

    def __init__(self, params, environ=None, cwd=None):
        environ = os.environ if environ is None else environ
        self.values = dict(params)
        self.sources = {}
        self.profile = None
        cloud = params.get('cloud') or environ.get('OS_CLOUD')
        if cloud:
            try:
                self.profile = load_profile(cloud, environ=environ, cwd=cwd)
            except ConfigurationError as exc:
                # The profile's name may be a secret pasted in the wrong place; mask the option secrets
                # with the one scrubber, so these settings are safe to report on their own too.
                redactor = Redactor()
                for option in SECRET_OPTIONS:
                    redactor.add(params.get(option))
                raise ConfigurationError(redactor.scrub(str(exc)))
            self._apply_profile(params)
        self.method = self._choose_method(self.values, {} if self._profile_method() else environ)
        for option in ENVIRONMENT:
            if self.values.get(option) in (None, ''):
                if option in CREDENTIAL_OPTIONS and (not self._belongs_to_method(option) or self._profile_method()):
                    self.values[option] = None
                    continue
                value, variable = _env_value(option, environ)
                self.values[option] = value
                if variable:
                    self.sources[option] = variable
        self._clean_credentials()
        self._check_required()
        self._check_numbers()
        self._check_endpoints()
        self._check_ca_cert()

    def _profile_method(self):
        return self.profile.method if self.profile is not None else None

    def _apply_profile(self, params):
        """Fill options the user did not set from the profile; explicit credentials win whole."""
        explicit = self._choose_method(params, {}, required=False)
        profile = self.profile
        if explicit and profile.method and explicit != profile.method:
            profile.method = None  # the options chose another method: none of the profile's credentials apply
        for option, value in profile.values.items():
            if option in CREDENTIAL_OPTIONS and profile.method is None:
                continue
            if self.values.get(option) in (None, ''):
                self.values[option] = value
                self.sources[option] = profile.describe()
        if self.values.get('cloud') in (None, ''):
            self.values['cloud'] = profile.name

    def _belongs_to_method(self, option):
        return self.method is not None and option in method_named(self.method).options()

    @staticmethod
    def _choose_method(params, environ, required=True):
        explicit = [method.name for method in AUTH_METHODS if any(params.get(option) for option in method.selectors)]
        if len(explicit) > 1:
            raise ConfigurationError(
                'Options for more than one authentication method are set (%s); set only one of: '
                'access_key/secret_key, username/password, auth_token' % ' and '.join(explicit))
        if explicit:
            return explicit[0]
        from_env = {}
        for method in AUTH_METHODS:
            names = [_env_value(option, environ)[1] for option in method.env_selectors]
            names = [name for name in names if name]
            if names:
                from_env[method.name] = names
        if len(from_env) > 1:
            raise ConfigurationError(
                'The environment sets credentials for more than one authentication method (%s); '
                'unset all but one, or set the credentials as module options' % '; '.join(
                    '%s: %s' % (method, ', '.join(names)) for method, names in sorted(from_env.items())))
        if from_env:
            return list(from_env)[0]
        if not required:
            return None
        raise ConfigurationError(
            'No credentials: set access_key and secret_key, or username, password and domain_name, '
            'or auth_token (or their OS_* / HW_* environment variables), or name a clouds.yaml profile with cloud')

    def _check_required(self):
        needed = method_named(self.method).required
        missing = [option for option in needed if not self.values.get(option)]
        if missing:
            raise ConfigurationError('%s authentication needs %s; missing: %s' % (
                self.method, ', '.join(needed), ', '.join(missing)))

    def _clean_credentials(self):
        """Strip surrounding whitespace (a token read from a file ends in a newline); refuse the rest."""
        for option in CREDENTIAL_OPTIONS:
            value = self.values.get(option)
            if not isinstance(value, str):
                continue
            value = value.strip()
            problem = _credential_problem(option, value)
            if problem:
                raise ConfigurationError(problem)
            self.values[option] = value

    def _check_numbers(self):
        timeout = self.values.get('timeout')
        if timeout is not None and not 1 <= timeout <= MAX_TIMEOUT_SECONDS:
            raise ConfigurationError('timeout must be between 1 and %d seconds, got %s' % (MAX_TIMEOUT_SECONDS, timeout))
        retries = self.values.get('max_retries')
        if retries is not None and not 0 <= retries <= MAX_RETRIES:
            raise ConfigurationError('max_retries must be between 0 and %d, got %s' % (MAX_RETRIES, retries))
        concurrency = self.values.get('max_concurrent_requests')
        if concurrency is not None and not 1 <= concurrency <= MAX_CONCURRENT_REQUESTS:
            raise ConfigurationError('max_concurrent_requests must be between 1 and %d, got %s'
                                     % (MAX_CONCURRENT_REQUESTS, concurrency))

    def _check_endpoints(self):
        for option, pattern in HOST_LABELS.items():
            value = self.values.get(option)
            if value and not pattern.fullmatch(value):
                raise ConfigurationError('%s must be a host name part such as %s, got %r' % (
                    option, 'eu-de' if option == 'region' else DEFAULT_CLOUD_DOMAIN, value[:64]))
        for option in ('modelarts_endpoint', 'iam_endpoint'):
            url = self.values.get(option)
            if not url:
                continue
            try:
                parts = urlsplit(url)
                parts.port  # raises ValueError for a port that is not a number
            except ValueError:
                raise ConfigurationError('%s is not a valid URL' % option)
            if parts.scheme not in ('https', 'http') or not parts.hostname:
                raise ConfigurationError('%s must be an https:// URL with a host name' % option)
            if '@' in parts.netloc:
                # requests would send them as Basic auth, replacing the signature, to whoever answers.
                raise ConfigurationError('%s must not contain credentials (user:password@host); '
                                         'set them with the authentication options' % option)

    def cleartext_endpoints(self):
        """The endpoints that receive credentials over plain http to another machine."""
        used = ['modelarts_endpoint'] + (['iam_endpoint'] if self.method == 'password' else [])
        found = []
        for option in used:
            parts = urlsplit(self.values.get(option) or '')
            if parts.scheme == 'http' and parts.hostname not in LOOPBACK_HOSTS:
                found.append(option)
        return found

    def _check_ca_cert(self):
        path = self.values.get('ca_cert')
        if path and self.values.get('validate_certs', DEFAULTS['validate_certs']):
            if not os.path.isfile(path):
                raise ConfigurationError('ca_cert %s does not exist or is not a file' % path)
            if not os.access(path, os.R_OK):
                raise ConfigurationError('ca_cert %s is not readable' % path)

    def secrets(self):
        """Secret values, including those read from the environment, for ``no_log_values``."""
        values = [self.values[option] for option in SECRET_OPTIONS if self.values.get(option)]
        profile_secrets = self.profile.secrets if self.profile is not None else []
        return values + [value for value in profile_secrets if value not in values]

    def _endpoint_host(self, service, option):
        region = self.values.get('region')
        if not region:
            raise ConfigurationError('region is required to build the %s endpoint; set region '
                                     '(or OS_REGION_NAME / HW_REGION_NAME) or %s' % (service, option))
        return '%s.%s.%s' % (service.lower(), region, self.values.get('cloud_domain') or DEFAULT_CLOUD_DOMAIN)

    @property
    def modelarts_endpoint(self):
        return (self.values.get('modelarts_endpoint')
                or 'https://%s' % self._endpoint_host('ModelArts', 'modelarts_endpoint')).rstrip('/')

    @property
    def iam_endpoint(self):
        return (self.values.get('iam_endpoint')
                or 'https://%s/v3' % self._endpoint_host('IAM', 'iam_endpoint')).rstrip('/')


class Connection:
    """An authenticated API client and the project it works in.

    ``deadline`` (monotonic seconds) ends the run; without one, the run is bounded by
    ``run_time_bound`` from ``started``. ``on_secret`` is told of every token obtained.
    """

    def __init__(self, settings, warn=None, deadline=None, started=None, on_secret=None, cancel=None):
        self.settings = settings
        values = settings.values
        self.max_concurrent_requests = values['max_concurrent_requests']
        timeout = values['timeout']
        max_retries = values['max_retries']
        if deadline is None:
            bound = run_time_bound(timeout, max_retries)
            deadline = (time.monotonic() if started is None else started) + bound
            bound_name = 'the time bound of a run without wait, %d s ((max_retries + 1) x (timeout + %d s))' % (
                bound, MAX_BACKOFF_SECONDS)
        else:
            bound_name = 'wait_timeout'
        self.client = ApiClient(
            timeout=timeout,
            validate_certs=values['validate_certs'],
            ca_cert=values.get('ca_cert'),
            retry_policy=RetryPolicy(max_retries=max_retries, deadline=deadline),
            pool_size=self.max_concurrent_requests,
            deadline=deadline,
            bound_name=bound_name,
            cancel=cancel,
        )
        self._on_secret = on_secret
        self.auth = self._build_auth(warn)
        self.client.auth = self.auth
        self._project_id = values.get('project_id')
        if self._project_id:
            self._scope_auth()

    def _build_auth(self, warn):
        values = self.settings.values
        method = method_named(self.settings.method)
        if method is not PasswordAuth:
            return method.from_values(values, None)
        cache = TokenCache(default_cache_dir(), warn=warn) if values['token_cache'] else None
        context = AuthContext(self.client, self.settings.iam_endpoint,
                              None if values.get('project_id') else self._project_name(), cache, self._on_secret)
        return method.from_values(values, context)

    def _project_name(self):
        values = self.settings.values
        if values.get('project_name'):
            return values['project_name']
        if not values.get('region'):
            raise ConfigurationError('Set project_id, project_name or region: the project is '
                                     'needed to scope the request')
        return values['region']

    @property
    def project_id(self):
        if self._project_id is None:
            if isinstance(self.auth, PasswordAuth):
                self._project_id = self.auth.token().project_id
            if not self._project_id:
                self._project_id = lookup_project_id(self.client, self.settings.iam_endpoint,
                                                     self._project_name())
            self._scope_auth()
        return self._project_id

    def _scope_auth(self):
        # AK/SK requests name their project in a header; tokens carry it in their scope.
        if isinstance(self.auth, AkSkAuth):
            self.auth.scope_to(self._project_id)

    @property
    def modelarts_endpoint(self):
        return self.settings.modelarts_endpoint

    def close(self):
        self.client.close()


def open_connection(params: Dict, redactor, warn, started: float, deadline=None, cancel=None) -> 'Connection':
    """What a module and a lookup both do before their first request: resolve ``params`` (options, then
    clouds.yaml, then the environment), register every secret found with ``redactor``, tell the user
    what weakens the connection, and build the ``Connection`` (which registers the tokens it obtains)."""
    settings = ConnectionSettings(params)
    # Values read from the environment or clouds.yaml are secrets too; Ansible only masks option values.
    for value in settings.secrets():
        redactor.add(value)
    if not settings.values['validate_certs']:
        warn('validate_certs is false: the TLS certificate of the endpoints is not verified.')
    for option in settings.cleartext_endpoints():
        warn('%s uses http://: credentials and tokens cross the network unencrypted; use https://' % option)
    return Connection(settings, warn=warn, deadline=deadline, started=started, on_secret=redactor.add, cancel=cancel)
