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

import ipaddress
import os
import re
import socket
import time
from urllib.parse import urlsplit
from urllib.request import proxy_bypass_environment

from typing import Dict

from ansible_collections.mlops.cloud.plugins.module_utils.agency import (
    AGENCY_OPTIONS,
    MAX_DURATION_SECONDS,
    MIN_DURATION_SECONDS,
    Agency,
    AgencyTokenAuth,
    agency_keys_auth,
)
from ansible_collections.mlops.cloud.plugins.module_utils.auth import (
    AUTH_METHODS,
    CREDENTIAL_OPTIONS,
    FLAG_OPTIONS,
    SECRET_OPTIONS,
    AuthContext,
    PasswordAuth,
    method_named,
    parse_flag,
)
from ansible_collections.mlops.cloud.plugins.module_utils.budget import (
    DEFAULT_MAX_ITEMS,
    DEFAULT_MAX_RESULT_MB,
    MAX_ITEMS,
    MAX_RESULT_MB,
    ResultBudget,
)
from ansible_collections.mlops.cloud.plugins.module_utils.client import ApiClient
from ansible_collections.mlops.cloud.plugins.module_utils.clouds_yaml import load_profile
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ConfigurationError
from ansible_collections.mlops.cloud.plugins.module_utils.iam import lookup_project_id
from ansible_collections.mlops.cloud.plugins.module_utils.retries import MAX_BACKOFF_SECONDS, RetryPolicy
from ansible_collections.mlops.cloud.plugins.module_utils.token_cache import TokenCache, cache_key, default_cache_dir

DEFAULT_CLOUD_DOMAIN = 'otc.t-systems.com'
MAX_CONCURRENT_REQUESTS = 32
MAX_TIMEOUT_SECONDS = 3600
MAX_RETRIES = 10
LOOPBACK_HOSTS = ('localhost', '127.0.0.1', '::1')
# Both go into endpoint host names: modelarts.<region>.<cloud_domain>.
HOST_LABELS = {'region': re.compile(r'[A-Za-z0-9-]+'), 'cloud_domain': re.compile(r'[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+')}

# Option -> environment variables. Each variable belongs to one family (FAMILIES, by its prefix) and a
# family is taken whole: its credentials, endpoints, region and project together, never completed from
# another. Credentials come from their method's declaration (auth.AUTH_METHODS).
ENVIRONMENT = dict(
    [(option, names) for method in AUTH_METHODS for option, names in method.environment.items()],
    project_id=('OS_PROJECT_ID', 'HW_PROJECT_ID', 'HUAWEICLOUD_SDK_PROJECT_ID'),
    project_name=('OS_PROJECT_NAME', 'HW_PROJECT_NAME'),
    region=('OS_REGION_NAME', 'HW_REGION_NAME'),
    iam_endpoint=('OS_AUTH_URL', 'HW_AUTH_URL', 'HUAWEICLOUD_SDK_IAM_ENDPOINT'),
    cloud_domain=('HW_CLOUD',),
    # The agency, as the huaweicloud Terraform provider names it: HW_* only, so used only with HW_* credentials.
    agency_name=('HW_ASSUME_ROLE_AGENCY_NAME',),
    agency_domain_name=('HW_ASSUME_ROLE_DOMAIN_NAME',),
    agency_domain_id=('HW_ASSUME_ROLE_DOMAIN_ID',),
    agency_duration=('HW_ASSUME_ROLE_DURATION',),
)
# Environment families, in the order the documentation lists them, named by their prefix.
FAMILIES = ('OS_', 'HW_', 'HUAWEICLOUD_SDK_')
CHOICE_ORDER = ('Credentials come from one place, the first of: the module options; the clouds.yaml profile '
                'named by cloud; the environment, where exactly one of OS_CLOUD, OS_*, HW_* and HUAWEICLOUD_SDK_* '
                'may hold credentials. Each is taken whole, never completed from another.')

# Every default of the connection options, in one place (the spec and the doc fragment use them).
DEFAULTS = dict(validate_certs=True, timeout=30, max_retries=4, token_cache=True, max_concurrent_requests=16,
                max_result_mb=DEFAULT_MAX_RESULT_MB, max_items=DEFAULT_MAX_ITEMS, metadata_credentials=False)
# Methods that send a token, so that an agency is assumed with an agency token (the others obtain temporary keys).
TOKEN_METHODS = ('password', 'token')
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
        metadata_credentials=dict(type='bool', default=DEFAULTS['metadata_credentials']),
        agency_name=dict(type='str'),
        agency_domain_name=dict(type='str'),
        agency_domain_id=dict(type='str'),
        agency_duration=dict(type='int'),
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
        max_result_mb=dict(type='int', default=DEFAULTS['max_result_mb']),
        max_items=dict(type='int', default=DEFAULTS['max_items']),
    )
    return spec


# Family -> option -> its variables of that family (OS_DOMAIN_NAME and OS_USER_DOMAIN_NAME are both OS_*).
FAMILY_VARIABLES = dict((family, dict((option, tuple(name for name in names if name.startswith(family)))
                                      for option, names in ENVIRONMENT.items()))
                        for family in FAMILIES)


def _family_value(option, family, environ):
    """(value, variable) of the first variable of ``family`` set for ``option``, or (None, None)."""
    for name in FAMILY_VARIABLES[family][option]:
        if environ.get(name):
            return environ[name], name
    return None, None


def _environment_proxies(environ):
    """{scheme: (proxy URL, variable)} as urllib's ``getproxies_environment`` reads ``environ``: any case
    first, then the names ending in lower-case ``_proxy`` again, in order, an empty one removing its scheme."""
    proxies = {}
    for name, value in environ.items():
        if value and name.lower().endswith('_proxy'):
            proxies[name.lower()[:-6]] = (value, name)
    if 'REQUEST_METHOD' in environ:  # a CGI request's Proxy header becomes HTTP_PROXY: urllib ignores it
        proxies.pop('http', None)
    for name, value in environ.items():
        if name.endswith('_proxy'):
            if value:
                proxies[name.lower()[:-6]] = (value, name)
            else:
                proxies.pop(name.lower()[:-6], None)
    return proxies


def _is_ipv4(host):
    """Whether requests takes ``host`` for an IPv4 address (``socket.inet_aton`` reads it, short forms too)."""
    try:
        socket.inet_aton(host)
    except OSError:
        return False
    return True


def _in_network(host, entry):
    """Whether the address ``host`` is ``entry``, or in it when it is written as a network: requests' rule,
    a mask of 1 to 32 bits; a host part in ``entry`` is allowed (``127.0.0.1/8``)."""
    try:
        network = ipaddress.ip_interface(entry).network
        return network.prefixlen > 0 and ipaddress.ip_address(host) in network
    except ValueError:
        return False


def _bypassed(host, port, environ, proxies):
    """Whether requests (2.34) sends to ``host`` directly: ``no_proxy`` (or ``NO_PROXY``) as requests reads it
    (networks for an address; for a name, the name or a domain of it, with or without the port), then as
    urllib does."""
    no_proxy = environ.get('no_proxy') or environ.get('NO_PROXY') or ''
    entries = [entry for entry in no_proxy.replace(' ', '').split(',') if entry]
    if _is_ipv4(host):
        if any(_in_network(host, entry) for entry in entries):
            return True
    else:
        names = (host, '%s:%s' % (host, port)) if port else (host,)
        for entry in entries:
            entry = entry.lstrip('.')
            if any(name == entry or name.endswith('.' + entry) for name in names):
                return True
    return bool(proxy_bypass_environment(host, dict((key, value) for key, (value, _name) in proxies.items())))


def _proxy_for(host, environ, port=None):
    """(proxy host, variable) through which requests would send plain http to ``host``, or (None, None).

    As requests picks it: the proxies of the environment as urllib reads them, unless ``no_proxy``
    bypasses ``host``, then ``http`` before ``all``. Only the proxy's host name is returned: its URL
    may hold a password."""
    proxies = _environment_proxies(environ)
    if host is None or _bypassed(host, port, environ, proxies):
        return None, None
    for scheme in ('http', 'all'):
        if scheme in proxies:
            url, name = proxies[scheme]
            return urlsplit(url if '//' in url else '//' + url).hostname, name
    return None, None


def _without_false_flags(environ):
    """``environ`` without the flag variables set to false (``HW_METADATA_CREDENTIALS=false`` asks for nothing);
    a flag variable that is neither true nor false is refused, naming it."""
    names = [name for option in FLAG_OPTIONS for name in ENVIRONMENT[option] if name in environ]
    if not names:
        return environ
    kept = dict(environ)
    for name in names:
        flag = parse_flag(environ[name])
        if flag is None:
            raise ConfigurationError('%s must be true or false' % name)
        if not flag:
            del kept[name]
    return kept


def _methods_chosen(values):
    """The methods whose selecting options have a value in ``values``."""
    return [method.name for method in AUTH_METHODS if any(values.get(option) for option in method.selectors)]


class ConnectionSettings:
    """Resolved options: what the user set, and the rest from the one family the credentials come
    from: the options themselves, the ``clouds.yaml`` profile named by ``cloud``, or one family of
    environment variables (``OS_CLOUD``'s profile, ``OS_*``, ``HW_*`` or ``HUAWEICLOUD_SDK_*``).

    A family is taken whole and never completed from another, so a password never goes to an
    endpoint that a leftover variable of another shell named. Options the user set explicitly
    always win. ``ignored`` maps an option left unset to the variable of another family that
    was not used for it, so that messages can say so.
    """

    def __init__(self, params, environ=None, cwd=None):
        environ = _without_false_flags(os.environ if environ is None else environ)
        self._environ = environ
        self.values = dict(params)
        for option in FLAG_OPTIONS:
            if self.values.get(option) is False:
                self.values[option] = None  # the default: asks for nothing, so a family may still set it
        self.sources = {}
        self.profile = None
        explicit = _methods_chosen(params)
        if len(explicit) > 1:
            raise ConfigurationError(
                'Options for more than one authentication method are set (%s); set only one of: '
                'access_key/secret_key, username/password, auth_token, metadata_credentials' % ' and '.join(explicit))
        if explicit:
            if params.get('cloud'):
                raise ConfigurationError(
                    'Credentials are set as options (%s) and cloud names a clouds.yaml profile: %s Drop cloud '
                    '(and set region, project and endpoints as options), or keep the credentials in the profile '
                    '(secure.yaml can hold its secrets apart)' % (
                        ', '.join(option for option in CREDENTIAL_OPTIONS if params.get(option)), CHOICE_ORDER))
            self.method = explicit[0]
            self.family = 'the module options'
        elif params.get('cloud'):
            self._use_profile(params['cloud'], environ, cwd, 'cloud')
        else:
            self._use_environment(environ, cwd)
        # Masked even when another family was chosen: a secret in the environment is a secret.
        self._environment_secrets = [environ[name] for option in SECRET_OPTIONS
                                     for name in ENVIRONMENT.get(option, ()) if environ.get(name)]
        self.ignored = {}
        for option, names in ENVIRONMENT.items():
            if self.values.get(option) in (None, ''):
                self.values[option] = None
                unused = [name for name in names if environ.get(name)]
                if unused:
                    self.ignored[option] = unused[0]
        self._clean_credentials()
        self._check_flags()
        self._check_required()
        self._check_numbers()
        self._check_endpoints()
        self._check_ca_cert()
        self.agency = self._agency()

    def _use_profile(self, name, environ, cwd, named_by):
        # Options never hold credentials here (with cloud they are refused), so nothing to mask.
        self.profile = load_profile(name, environ=environ, cwd=cwd)
        profile = self.profile
        if profile.method is None:
            raise ConfigurationError(
                'The clouds.yaml profile, %s (named by %s), has no credentials: add them to its auth section '
                '(or secure.yaml), or give them as options without cloud. %s'
                % (profile.describe(), named_by, CHOICE_ORDER))
        self.method = profile.method
        self.family = 'the clouds.yaml profile, %s,' % profile.describe()
        for option, value in profile.values.items():
            if self.values.get(option) in (None, ''):
                self.values[option] = value
                self.sources[option] = profile.describe()
        # The profile used: the one the cloud option named, or OS_CLOUD's.
        self.values['cloud'] = profile.name

    def _use_environment(self, environ, cwd):
        holders = {}
        for family in FAMILIES:
            if any(_family_value(option, family, environ)[1] for method in AUTH_METHODS
                   for option in method.env_selectors):
                holders['%s*' % family] = [name for option in CREDENTIAL_OPTIONS
                                           for name in FAMILY_VARIABLES[family][option] if environ.get(name)]
        if environ.get('OS_CLOUD'):
            holders['OS_CLOUD'] = ['OS_CLOUD']
        if len(holders) > 1:
            keep = []
            for kept in holders:
                others = [name for family, names in holders.items() if family != kept for name in names]
                keep.append('to keep %s: unset %s' % (kept, ' '.join(others)))
            raise ConfigurationError(
                'The environment holds credentials of more than one family (%s). Unset the variables of every '
                'family but the one you mean (%s), or give the credentials as options. %s' % (
                    '; '.join('%s: %s' % (family, ', '.join(names)) for family, names in holders.items()),
                    '; '.join(keep), CHOICE_ORDER))
        if 'OS_CLOUD' in holders:
            self._use_profile(environ['OS_CLOUD'], environ, cwd, 'OS_CLOUD')
            return
        if not holders:
            raise ConfigurationError(
                'No credentials: set access_key and secret_key, or username, password and domain_name, '
                'or auth_token, or metadata_credentials on an ECS (or one family of environment variables: '
                'OS_*, HW_* or HUAWEICLOUD_SDK_*), or name a clouds.yaml profile with cloud')
        family = list(holders)[0][:-1]
        by_method = {}
        for method in AUTH_METHODS:
            names = [_family_value(option, family, environ)[1] for option in method.env_selectors]
            names = [name for name in names if name]
            if names:
                by_method[method.name] = names
        if len(by_method) > 1:
            raise ConfigurationError(
                'The environment sets credentials for more than one authentication method (%s); '
                'unset all but one, or set the credentials as module options' % '; '.join(
                    '%s: %s' % (method, ', '.join(names)) for method, names in sorted(by_method.items())))
        self.method = list(by_method)[0]
        self.family = 'the %s* environment variables' % family
        owned = method_named(self.method).options()
        for option in ENVIRONMENT:
            if option in CREDENTIAL_OPTIONS and option not in owned:
                continue
            if self.values.get(option) in (None, ''):
                value, variable = _family_value(option, family, environ)
                if variable:
                    self.values[option] = value
                    self.sources[option] = variable

    def not_used(self, option):
        """Why a variable set for ``option`` was not used, for a message about the option (or '')."""
        variable = self.ignored.get(option)
        if not variable:
            return ''
        return ' (%s is set, but the credentials come from %s, which is never completed from another family)' % (
            variable, self.family)

    def notices(self):
        """Warnings for variables of another family that were set for an option left unset."""
        return ['%s is set but not used: the credentials come from %s, and a family is never completed from '
                'another; set %s as an option if you mean it' % (variable, self.family, option)
                for option, variable in sorted(self.ignored.items())
                if option not in CREDENTIAL_OPTIONS or option in method_named(self.method).options()]

    def _from(self, option):
        """Where ``option``'s value came from, for a message (the options themselves say nothing)."""
        source = self.sources.get(option)
        return ' (from %s)' % source if source else ''

    def _check_flags(self):
        for option in FLAG_OPTIONS:
            value = self.values.get(option)
            if value is None:
                self.values[option] = False
                continue
            flag = parse_flag(value)
            if flag is None:
                raise ConfigurationError('%s must be true or false%s' % (option, self._from(option)))
            self.values[option] = flag

    def _agency(self):
        """The ``Agency`` to assume on top of the credentials, or None; refuses an incomplete one by its options."""
        for option in AGENCY_OPTIONS[:-1]:
            if isinstance(self.values.get(option), str):
                self.values[option] = self.values[option].strip() or None
        name, domain_name, domain_id, duration = (self.values.get(option) for option in AGENCY_OPTIONS)
        if not name:
            stray = [option + self._from(option) for option in AGENCY_OPTIONS[1:] if self.values.get(option) is not None]
            if stray:
                raise ConfigurationError('%s set without agency_name: set agency_name (the agency to assume), or '
                                         'drop %s%s' % (', '.join(stray), 'them' if len(stray) > 1 else 'it',
                                                        self.not_used('agency_name')))
            return None
        if bool(domain_name) == bool(domain_id):
            raise ConfigurationError(
                'agency_name%s needs exactly one of agency_domain_name and agency_domain_id (the account that '
                'created the agency); %s%s' % (self._from('agency_name'), 'both are set' if domain_name else 'neither is set',
                                               self.not_used('agency_domain_name') or self.not_used('agency_domain_id')))
        if duration is not None:
            if isinstance(duration, str):
                try:
                    duration = int(duration.strip())
                except ValueError:
                    raise ConfigurationError('agency_duration%s must be a whole number of seconds' % self._from(
                        'agency_duration'))
            if isinstance(duration, bool) or not MIN_DURATION_SECONDS <= duration <= MAX_DURATION_SECONDS:
                raise ConfigurationError('agency_duration must be between %d and %d seconds (15 minutes to 24 hours), '
                                         'got %s%s' % (MIN_DURATION_SECONDS, MAX_DURATION_SECONDS, duration,
                                                       self._from('agency_duration')))
        return Agency(name, domain_name, domain_id, duration)

    def _check_required(self):
        needed = method_named(self.method).required
        missing = [option for option in needed if not self.values.get(option)]
        if missing:
            raise ConfigurationError('%s authentication needs %s; missing: %s, from %s%s' % (
                self.method, ', '.join(needed), ', '.join(missing), self.family,
                ''.join(self.not_used(option) for option in missing)))

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
        for option, most in (('max_concurrent_requests', MAX_CONCURRENT_REQUESTS), ('max_result_mb', MAX_RESULT_MB),
                             ('max_items', MAX_ITEMS)):
            value = self.values.get(option)
            if value is not None and not 1 <= value <= most:
                raise ConfigurationError('%s must be between 1 and %d, got %s' % (option, most, value))

    def _check_endpoints(self):
        for option, pattern in HOST_LABELS.items():
            value = self.values.get(option)
            if value and not pattern.fullmatch(value):
                raise ConfigurationError('%s must be a host name part such as %s, got %r' % (
                    option, 'eu-de' if option == 'region' else DEFAULT_CLOUD_DOMAIN, value[:64]))
        for option in ('modelarts_endpoint', 'iam_endpoint', 'metadata_endpoint'):
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
        """Warnings for the endpoints that receive credentials over plain http to another machine,
        directly or through a proxy from the environment (``http_proxy``, ``all_proxy``, not bypassed
        by ``no_proxy``), as requests would send them."""
        # IAM receives the password, and the base credentials of an agency (and answers with keys or a token);
        # without project_id, the project is looked up there with the token or the signed request of any method.
        asks_iam = self.method == 'password' or self.agency or not self.values.get('project_id')
        used = ['modelarts_endpoint'] + (['iam_endpoint'] if asks_iam else [])
        found = []
        for option in used:
            parts = urlsplit(self.values.get(option) or '')
            if parts.scheme != 'http':
                continue
            proxy, variable = _proxy_for(parts.hostname, self._environ, parts.port)
            if parts.hostname not in LOOPBACK_HOSTS:
                found.append('%s uses http://: credentials and tokens cross the network unencrypted; use https://'
                             % option)
            elif proxy not in (None,) + LOOPBACK_HOSTS:
                found.append('%s uses http:// through the proxy %s (%s): credentials and tokens cross the network '
                             'unencrypted; use https://, or add the endpoint\'s host to no_proxy'
                             % (option, proxy, variable))
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
        for value in profile_secrets + self._environment_secrets:
            if value not in values:
                values.append(value)
        return values

    def _endpoint_host(self, service, option):
        region = self.values.get('region')
        if not region:
            raise ConfigurationError('region is required to build the %s endpoint; set region or %s%s' % (
                service, option, self.not_used('region')))
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
            budget=ResultBudget(values.get('max_result_mb') or DEFAULTS['max_result_mb'],
                                values.get('max_items') or DEFAULTS['max_items']),
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
        agency = self.settings.agency
        cache = None
        if method is PasswordAuth and values['token_cache']:
            cache = TokenCache(default_cache_dir(), warn=warn)
        if agency is None:
            if method is not PasswordAuth:
                return method.from_values(values, AuthContext(self.client, None, None, on_secret=self._on_secret))
            context = AuthContext(self.client, self.settings.iam_endpoint,
                                  None if values.get('project_id') else self._project_name(), cache, self._on_secret)
            return method.from_values(values, context)
        iam_endpoint = self.settings.iam_endpoint
        if method is PasswordAuth:
            # The user's own token, to assume the agency with: scoped to the user's project named after the
            # region (project_id and project_name name the delegating account's project).
            base = PasswordAuth(self.client, iam_endpoint, values['username'], values['password'],
                                values['domain_name'], project_name=values.get('region') or self._project_name(),
                                cache=cache, on_secret=self._on_secret)
        else:
            base = method.from_values(values, AuthContext(self.client, iam_endpoint, None, on_secret=self._on_secret))
        if self.settings.method not in TOKEN_METHODS:
            return agency_keys_auth(self.client, iam_endpoint, base, agency, on_secret=self._on_secret)
        project_id = values.get('project_id')
        project = project_id or self._project_name()
        key = secret = None
        if method is PasswordAuth:
            key = cache_key(iam_endpoint, values['domain_name'], values['username'], agency.cache_scope(project))
            secret = values['password']
        return AgencyTokenAuth(self.client, iam_endpoint, base, agency, project_id=project_id,
                               project_name=None if project_id else project, cache=cache, cache_key=key,
                               cache_secret=secret, on_secret=self._on_secret)

    def _project_name(self):
        values = self.settings.values
        if values.get('project_name'):
            return values['project_name']
        if not values.get('region'):
            raise ConfigurationError('Set project_id, project_name or region: the project is '
                                     'needed to scope the request%s' % self.settings.not_used('region'))
        return values['region']

    @property
    def project_id(self):
        if self._project_id is None:
            if isinstance(self.auth, (PasswordAuth, AgencyTokenAuth)):
                self._project_id = self.auth.token().project_id
            if not self._project_id:
                self._project_id = lookup_project_id(self.client, self.settings.iam_endpoint,
                                                     self._project_name())
            self._scope_auth()
        return self._project_id

    def _scope_auth(self):
        # Signed requests (AK/SK, temporary keys) name their project in a header; tokens carry it in their scope.
        scope_to = getattr(self.auth, 'scope_to', None)
        if scope_to is not None:
            scope_to(self._project_id)

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
    for notice in settings.notices():
        warn(notice)
    for warning in settings.cleartext_endpoints():
        warn(warning)
    return Connection(settings, warn=warn, deadline=deadline, started=started, on_secret=redactor.add, cancel=cancel)
