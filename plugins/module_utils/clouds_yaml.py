# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a named cloud profile from ``clouds.yaml`` (and ``secure.yaml``) the way
openstacksdk finds them, and turn it into this collection's connection options.

Only PyYAML is used (ansible-core depends on it); openstacksdk is not needed.

Files searched, first existing one wins (as openstacksdk does):

* ``$OS_CLIENT_CONFIG_FILE`` (``$OS_CLIENT_SECURE_FILE`` for ``secure.yaml``)
* ``./clouds.yaml``, ``./clouds.yml``
* ``$XDG_CONFIG_HOME/openstack/clouds.yaml`` (when set), ``~/.config/openstack/clouds.yaml``
* ``/etc/openstack/clouds.yaml``

``secure.yaml`` (same places) is merged over the profile, so passwords can live apart.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.mlops.cloud.plugins.module_utils.auth import (
    AUTH_METHODS,
    FLAG_OPTIONS,
    SECRET_OPTIONS,
    method_owning,
    parse_flag,
)
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ConfigurationError

SUFFIXES = ('.yaml', '.yml')
# The agency to assume on top of the profile's credentials, in its auth section or at its top level.
AGENCY_KEYS = ('agency_name', 'agency_domain_name', 'agency_domain_id', 'agency_duration')

# Profile keys (inside ``auth``) -> option, first one present wins: each method's credentials
# as it declares them (auth.AUTH_METHODS), then the keys every method shares.
AUTH_KEYS = tuple(item for method in AUTH_METHODS for item in method.profile_keys.items()) + (
    ('project_id', ('project_id', 'tenant_id')),
    ('project_name', ('project_name', 'tenant_name')),
    ('iam_endpoint', ('auth_url',)),
) + tuple((option, (option,)) for option in AGENCY_KEYS)

# Profile keys (top level) -> option.
TOP_KEYS = (
    ('region', ('region_name',)),
    ('modelarts_endpoint', ('modelarts_endpoint_override', 'modelarts_endpoint')),
    ('iam_endpoint', ('identity_endpoint_override', 'iam_endpoint')),
    ('cloud_domain', ('cloud_domain',)),
    ('ca_cert', ('cacert',)),
) + tuple((option, (option,)) for option in AGENCY_KEYS)

# clouds.yaml ``auth_type`` -> method name.
AUTH_TYPES = dict((auth_type, method.name) for method in AUTH_METHODS for auth_type in method.auth_types)


def config_dirs(environ, cwd=None):
    """The directories openstacksdk searches, in order."""
    dirs = [cwd or os.getcwd()]
    xdg = environ.get('XDG_CONFIG_HOME')
    if xdg:
        dirs.append(os.path.join(xdg, 'openstack'))
    home = environ.get('HOME') or os.path.expanduser('~')
    user_dir = os.path.join(home, '.config', 'openstack')
    if user_dir not in dirs:
        dirs.append(user_dir)
    dirs.append('/etc/openstack')
    return dirs


def candidate_files(basename, env_variable, environ, cwd=None):
    """Every path that is looked at for ``clouds`` or ``secure``, in order."""
    paths = []
    if environ.get(env_variable):
        paths.append(environ[env_variable])
    for directory in config_dirs(environ, cwd):
        for suffix in SUFFIXES:
            paths.append(os.path.join(directory, basename + suffix))
    return paths


def _yaml():
    """PyYAML, imported on first use: most runs never read clouds.yaml, and each run pays its imports."""
    try:
        import yaml  # pylint: disable=import-outside-toplevel
    except ImportError as exc:  # pragma: no cover - ansible-core requires PyYAML
        raise ConfigurationError('The cloud option needs the PyYAML Python library (it comes with ansible-core): %s' % exc)
    return yaml


def _load(path):
    yaml = _yaml()
    try:
        with open(path, 'rb') as handle:
            data = yaml.safe_load(handle)
    except (OSError, IOError) as exc:
        raise ConfigurationError('Cannot read %s: %s' % (path, exc.strerror or exc))
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None)
        where = ' at line %d' % (mark.line + 1) if mark is not None else ''
        raise ConfigurationError('%s is not valid YAML%s' % (path, where))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigurationError('%s must hold a mapping with a "clouds" key' % path)
    return data


def _first_existing(paths):
    for path in paths:
        if os.path.isfile(path):
            return path
    return None


def _merge(base, extra):
    result = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value)
        else:
            result[key] = value
    return result


def _quote(name):
    """A profile name on one line, for messages."""
    return repr(str(name)).lstrip('u')


def _pick(mapping, keys):
    for key in keys:
        value = mapping.get(key)
        if value not in (None, ''):
            return value
    return None


def _iam_endpoint(auth_url):
    """``auth_url`` as an IAM endpoint that includes ``/v3`` (openstacksdk adds the version itself)."""
    url = str(auth_url).rstrip('/')
    scheme_sep = url.find('://')
    path = url[scheme_sep + 3:].partition('/')[2] if scheme_sep >= 0 else ''
    if not path:
        url += '/v3'
    return url


class CloudProfile:
    """One profile of ``clouds.yaml`` mapped to connection options.

    ``values`` holds the options the profile sets (credentials of the chosen method only),
    ``method`` the authentication method it selects (or None), ``path`` the file it came
    from, and ``secrets`` every secret value found in the profile.
    """

    def __init__(self, name, path, values, method, secrets):
        self.name = name
        self.path = path
        self.values = values
        self.method = method
        self.secrets = secrets

    def describe(self):
        return 'cloud %s in %s' % (_quote(self.name), self.path)


def _methods_in(auth_values):
    return [method.name for method in AUTH_METHODS if any(auth_values.get(option) for option in method.env_selectors)]


def profile_from_mapping(name, path, cloud):
    """Map one ``clouds.<name>`` mapping to a :class:`CloudProfile`."""
    if not isinstance(cloud, dict):
        raise ConfigurationError('Cloud %s in %s is not a mapping' % (_quote(name), path))
    auth = cloud.get('auth') or {}
    if not isinstance(auth, dict):
        raise ConfigurationError('"auth" of cloud %s in %s is not a mapping' % (_quote(name), path))

    auth_values = {}
    for option, keys in AUTH_KEYS:
        value = _pick(auth, keys)
        if value is not None and option in FLAG_OPTIONS:
            flag = parse_flag(value)
            if flag is None:
                raise ConfigurationError('auth.%s of cloud %s in %s must be true or false' % (option, _quote(name), path))
            value = flag or None  # false asks for nothing
        if value is not None:
            auth_values[option] = value if option != 'iam_endpoint' else _iam_endpoint(value)
    # opentelekomcloud/otcextensions also accept an AK/SK pair at the top level of a profile.
    top_aksk = {}
    for option, keys in (('access_key', ('ak', 'access_key')), ('secret_key', ('sk', 'secret_key'))):
        value = _pick(cloud, keys)
        if value is not None:
            top_aksk[option] = value

    secrets = [str(auth_values[option]) for option in SECRET_OPTIONS if auth_values.get(option)]
    secrets.extend(str(value) for option, value in top_aksk.items() if option == 'secret_key')

    auth_type = cloud.get('auth_type')
    methods = _methods_in(auth_values)
    if auth_type:
        method = AUTH_TYPES.get(str(auth_type).lower())
        if method is None:
            raise ConfigurationError('auth_type %s of cloud %s in %s is not supported; use one of: %s' % (
                _quote(auth_type), _quote(name), path, ', '.join(sorted(AUTH_TYPES))))
        if method == 'AK/SK' and 'AK/SK' not in methods:
            for option, value in top_aksk.items():
                auth_values.setdefault(option, value)
    elif len(methods) > 1:
        raise ConfigurationError('Cloud %s in %s has credentials for more than one authentication method (%s); '
                                 'set auth_type to one of: aksk, password, token' % (
                                     _quote(name), path, ' and '.join(methods)))
    elif methods:
        method = methods[0]
    elif top_aksk:
        method = 'AK/SK'
        auth_values.update(top_aksk)
    else:
        method = None

    values = {}
    for option, value in auth_values.items():
        owner = method_owning(option)
        # domain_name is kept whatever the method: openstack profiles set it beside AK/SK too.
        if owner is not None and owner.name != method and option != 'domain_name':
            continue
        values[option] = str(value)
    for option, keys in TOP_KEYS:
        value = _pick(cloud, keys)
        if value is None and option == 'region':
            regions = cloud.get('regions')
            if isinstance(regions, list) and regions:
                value = regions[0].get('name') if isinstance(regions[0], dict) else regions[0]
        if value is None:
            continue
        if option == 'iam_endpoint':
            value = _iam_endpoint(value)
        values.setdefault(option, str(value))
    return CloudProfile(name, path, values, method, secrets)


def load_profile(name, environ=None, cwd=None):
    """Find and read the profile ``name``; fail naming every file searched."""
    environ = os.environ if environ is None else environ
    searched = candidate_files('clouds', 'OS_CLIENT_CONFIG_FILE', environ, cwd)
    explicit = environ.get('OS_CLIENT_CONFIG_FILE')
    if explicit and not os.path.isfile(explicit):
        raise ConfigurationError('OS_CLIENT_CONFIG_FILE names %s, which does not exist' % explicit)
    path = _first_existing(searched)
    if path is None:
        raise ConfigurationError('Cloud %s not found: no clouds.yaml in any of %s' % (_quote(name), ', '.join(searched)))
    clouds = _load(path).get('clouds') or {}
    if not isinstance(clouds, dict):
        raise ConfigurationError('"clouds" in %s is not a mapping' % path)
    if name not in clouds:
        known = ', '.join(sorted(_quote(key) for key in clouds)) or 'none'
        raise ConfigurationError('Cloud %s not found in %s (clouds defined there: %s; files searched: %s)' % (
            _quote(name), path, known, ', '.join(searched)))
    cloud = clouds[name]

    secure_path = _first_existing(candidate_files('secure', 'OS_CLIENT_SECURE_FILE', environ, cwd))
    if secure_path is not None:
        secure = _load(secure_path).get('clouds') or {}
        if isinstance(secure, dict) and isinstance(secure.get(name), dict) and isinstance(cloud, dict):
            cloud = _merge(cloud, secure[name])
            path = '%s (with %s)' % (path, secure_path)
    return profile_from_mapping(name, path, cloud)
