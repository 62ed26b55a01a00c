# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``cloud`` option: clouds.yaml profiles, where they are searched, and how they mix with options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.clouds_yaml import candidate_files, load_profile
from ansible_collections.mlops.cloud.plugins.module_utils.connection import (
    CHOICE_ORDER,
    ConnectionSettings,
    connection_argument_spec,
)
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ConfigurationError

OTC_PASSWORD = """
clouds:
  otc:
    region_name: eu-de
    auth:
      auth_url: https://iam.eu-de.otc.t-systems.com:443/v3
      username: alice
      password: alice-secret
      project_name: eu-de_project
      user_domain_name: OTC-EU-DE-0001
    interface: public
    identity_api_version: 3
    ak: OBS-AK
    sk: obs-secret
  aksk:
    auth_type: aksk
    region_name: eu-nl
    auth:
      auth_url: https://iam.eu-nl.otc.t-systems.com
      project_id: 0123456789abcdef
      ak: MY-AK
      sk: my-secret
      security_token: my-sts
    modelarts_endpoint_override: https://modelarts.example.test/
  token:
    auth_type: token
    regions: [ap-southeast-1]
    cloud_domain: myhuaweicloud.com
    auth:
      token: tok-secret
      project_name: ap-southeast-1
  partial:
    region_name: eu-de
  both:
    auth:
      username: u
      password: p
      ak: a
      sk: s
"""


def params(**overrides):
    values = dict((name, spec.get('default')) for name, spec in connection_argument_spec().items())
    values.update(overrides)
    return values


@pytest.fixture
def clouds(tmp_path):
    path = tmp_path / 'clouds.yaml'
    path.write_text(OTC_PASSWORD)
    return {'OS_CLIENT_CONFIG_FILE': str(path), 'HOME': str(tmp_path / 'home')}


def settings(environ, tmp_path, **options):
    return ConnectionSettings(params(**options), environ=environ, cwd=str(tmp_path / 'cwd'))


def test_password_profile(clouds, tmp_path):
    resolved = settings(clouds, tmp_path, cloud='otc')
    assert resolved.method == 'password'
    assert resolved.values['username'] == 'alice'
    assert resolved.values['domain_name'] == 'OTC-EU-DE-0001'
    assert resolved.values['project_name'] == 'eu-de_project'
    assert resolved.values['region'] == 'eu-de'
    assert resolved.iam_endpoint == 'https://iam.eu-de.otc.t-systems.com:443/v3'
    assert resolved.values['access_key'] is None  # the top-level OBS pair is not used with a password
    assert set(resolved.secrets()) == {'alice-secret', 'obs-secret'}
    assert 'otc' in resolved.sources['username']


def test_aksk_profile_with_endpoint_override_and_auth_url_without_version(clouds, tmp_path):
    resolved = settings(clouds, tmp_path, cloud='aksk')
    assert resolved.method == 'AK/SK'
    assert (resolved.values['access_key'], resolved.values['secret_key']) == ('MY-AK', 'my-secret')
    assert resolved.values['security_token'] == 'my-sts'
    assert resolved.values['project_id'] == '0123456789abcdef'
    assert resolved.iam_endpoint == 'https://iam.eu-nl.otc.t-systems.com/v3'
    assert resolved.modelarts_endpoint == 'https://modelarts.example.test'
    assert set(resolved.secrets()) == {'my-secret', 'my-sts'}


def test_token_profile_with_regions_list_and_cloud_domain(clouds, tmp_path):
    resolved = settings(clouds, tmp_path, cloud='token')
    assert resolved.method == 'token'
    assert resolved.modelarts_endpoint == 'https://modelarts.ap-southeast-1.myhuaweicloud.com'
    assert resolved.secrets() == ['tok-secret']


def test_os_cloud_names_the_profile(clouds, tmp_path):
    environ = dict(clouds, OS_CLOUD='aksk')
    assert settings(environ, tmp_path).method == 'AK/SK'


def test_option_wins_over_os_cloud(clouds, tmp_path):
    environ = dict(clouds, OS_CLOUD='aksk')
    assert settings(environ, tmp_path, cloud='otc').method == 'password'


def test_explicit_options_override_profile_values(clouds, tmp_path):
    resolved = settings(clouds, tmp_path, cloud='otc', region='eu-nl', project_id='p1', domain_name='other-domain')
    assert resolved.values['region'] == 'eu-nl'
    assert resolved.values['username'] == 'alice'
    assert resolved.values['project_id'] == 'p1'
    assert resolved.values['domain_name'] == 'other-domain'


@pytest.mark.parametrize('credentials,named', [(dict(password='pw-Xq7'), 'password'), (dict(auth_token='tok-Zr9'), 'auth_token'),
                                               (dict(username='bob', password='pw-Xq7'), 'username, password')])
def test_credentials_as_options_and_a_profile_are_refused(clouds, tmp_path, credentials, named):
    with pytest.raises(ConfigurationError) as info:
        settings(clouds, tmp_path, cloud='otc', **credentials)
    message = str(info.value)
    assert message == ('Credentials are set as options (%s) and cloud names a clouds.yaml profile: %s Drop cloud (and set '
                       'region, project and endpoints as options), or keep the credentials in the profile (secure.yaml '
                       'can hold its secrets apart)' % (named, CHOICE_ORDER))
    assert 'pw-Xq7' not in message and 'tok-Zr9' not in message


def test_credentials_as_options_ignore_os_cloud(clouds, tmp_path):
    resolved = settings(dict(clouds, OS_CLOUD='otc'), tmp_path, auth_token='explicit')
    assert resolved.method == 'token'
    assert resolved.values['region'] is None and resolved.values['cloud'] is None


def test_the_environment_never_completes_a_profile(clouds, tmp_path):
    environ = dict(clouds, OS_ACCESS_KEY='env-ak', OS_SECRET_KEY='env-sk', OS_REGION_NAME='env-region',
                   OS_SECURITY_TOKEN='env-sts', OS_AUTH_URL='https://elsewhere.example/v3')
    resolved = settings(environ, tmp_path, cloud='token')
    assert resolved.method == 'token'
    assert resolved.values['access_key'] is None and resolved.values['security_token'] is None
    # The profile has no auth_url: its password or token goes to its own cloud's IAM, not to OS_AUTH_URL.
    assert resolved.iam_endpoint == 'https://iam.ap-southeast-1.myhuaweicloud.com/v3'
    assert [notice.split(' ')[0] for notice in resolved.notices()] == ['OS_AUTH_URL']
    assert 'the clouds.yaml profile, cloud \'token\' in' in resolved.notices()[0]


def test_a_profile_without_credentials_is_refused(clouds, tmp_path):
    with pytest.raises(ConfigurationError, match="profile, cloud 'partial' in .*, has no credentials"):
        settings(dict(clouds, OS_AUTH_TOKEN='env-token'), tmp_path, cloud='partial')


def test_profile_with_two_methods_needs_auth_type(clouds, tmp_path):
    with pytest.raises(ConfigurationError, match="'both'.*more than one authentication method.*auth_type"):
        settings(clouds, tmp_path, cloud='both')


def test_missing_profile_names_the_file_and_the_profiles_there(clouds, tmp_path):
    with pytest.raises(ConfigurationError) as info:
        settings(clouds, tmp_path, cloud='nope')
    message = str(info.value)
    assert "Cloud 'nope' not found in %s" % clouds['OS_CLIENT_CONFIG_FILE'] in message
    assert "'aksk', 'both', 'otc', 'partial', 'token'" in message
    assert '\n' not in message


def test_no_clouds_yaml_anywhere_names_every_path_searched(tmp_path):
    environ = {'HOME': str(tmp_path / 'home'), 'XDG_CONFIG_HOME': str(tmp_path / 'xdg')}
    with pytest.raises(ConfigurationError) as info:
        settings(environ, tmp_path, cloud='otc')
    message = str(info.value)
    for path in (tmp_path / 'cwd' / 'clouds.yaml', tmp_path / 'xdg' / 'openstack' / 'clouds.yaml',
                 tmp_path / 'home' / '.config' / 'openstack' / 'clouds.yml', '/etc/openstack/clouds.yaml'):
        assert str(path) in message


def test_missing_os_client_config_file_is_an_error(tmp_path):
    with pytest.raises(ConfigurationError, match='OS_CLIENT_CONFIG_FILE names .*missing.yaml'):
        settings({'OS_CLIENT_CONFIG_FILE': str(tmp_path / 'missing.yaml')}, tmp_path, cloud='otc')


def test_search_order_is_openstacksdks(tmp_path):
    environ = {'OS_CLIENT_CONFIG_FILE': '/x/clouds.yaml', 'HOME': '/home/u'}
    assert candidate_files('clouds', 'OS_CLIENT_CONFIG_FILE', environ, cwd='/cwd') == [
        '/x/clouds.yaml', '/cwd/clouds.yaml', '/cwd/clouds.yml',
        '/home/u/.config/openstack/clouds.yaml', '/home/u/.config/openstack/clouds.yml',
        '/etc/openstack/clouds.yaml', '/etc/openstack/clouds.yml']


def test_first_existing_file_wins_and_secure_yaml_is_merged(tmp_path):
    cwd = tmp_path / 'cwd'
    user = tmp_path / 'home' / '.config' / 'openstack'
    os.makedirs(str(cwd))
    os.makedirs(str(user))
    (cwd / 'clouds.yml').write_text('clouds: {c: {region_name: from-cwd, auth: {username: u}}}\n')
    (user / 'clouds.yaml').write_text('clouds: {c: {region_name: from-home}}\n')
    (user / 'secure.yaml').write_text('clouds: {c: {auth: {password: hidden}}}\n')
    profile = load_profile('c', environ={'HOME': str(tmp_path / 'home')}, cwd=str(cwd))
    assert profile.values['region'] == 'from-cwd'
    assert profile.values['password'] == 'hidden'
    assert profile.method == 'password'
    assert profile.secrets == ['hidden']
    assert 'secure.yaml' in profile.path


def test_invalid_yaml_is_reported_with_its_line(tmp_path):
    path = tmp_path / 'clouds.yaml'
    path.write_text('clouds:\n  a: [\n')
    with pytest.raises(ConfigurationError, match='is not valid YAML at line'):
        load_profile('a', environ={'OS_CLIENT_CONFIG_FILE': str(path)})


def test_unknown_auth_type_is_refused(tmp_path):
    path = tmp_path / 'clouds.yaml'
    path.write_text('clouds: {a: {auth_type: v3oidcpassword, auth: {username: u}}}\n')
    with pytest.raises(ConfigurationError, match="auth_type 'v3oidcpassword'.*aksk, password"):
        load_profile('a', environ={'OS_CLIENT_CONFIG_FILE': str(path)})


def write(tmp_path, text, name='clouds.yaml'):
    path = tmp_path / name
    path.write_text(text)
    return {'OS_CLIENT_CONFIG_FILE': str(path), 'HOME': str(tmp_path / 'home')}, str(path)


@pytest.mark.parametrize('text,message', [
    ('clouds: {a: [1]}\n', "Cloud 'a' in {path} is not a mapping"),
    ('clouds: {a: {auth: [1]}}\n', '"auth" of cloud \'a\' in {path} is not a mapping'),
    ('clouds: [a]\n', '"clouds" in {path} is not a mapping'),
    ('- a\n', '{path} must hold a mapping with a "clouds" key'),
    ('clouds:\n  a: [\n', '{path} is not valid YAML at line 3'),
    ('clouds: {a: {auth: {username: u, ak: k, sk: s}}}\n',
     "Cloud 'a' in {path} has credentials for more than one authentication method (AK/SK and password); "
     "set auth_type to one of: aksk, password, token"),
    ('clouds: {a: {auth_type: v3oidc, auth: {username: u}}}\n',
     "auth_type 'v3oidc' of cloud 'a' in {path} is not supported; use one of: aksk, password, token, v3password, "
     "v3token"),
    ('clouds: {b: {}, c: {}}\n', "Cloud 'a' not found in {path} (clouds defined there: 'b', 'c'; files searched: "),
    ('clouds: {}\n', "Cloud 'a' not found in {path} (clouds defined there: none; files searched: "),
])
def test_each_broken_file_is_named_with_what_is_wrong(tmp_path, text, message):
    environ, path = write(tmp_path, text)
    with pytest.raises(ConfigurationError) as info:
        load_profile('a', environ=environ, cwd=str(tmp_path))
    assert str(info.value).startswith(message.format(path=path))


def test_a_file_that_cannot_be_read_is_named_with_the_reason(tmp_path):
    # A file that exists and whose read fails, whoever runs the test (root reads a 0000 file).
    with pytest.raises(ConfigurationError, match=r'^Cannot read /proc/self/mem: Input/output error$'):
        load_profile('a', environ={'OS_CLIENT_CONFIG_FILE': '/proc/self/mem'}, cwd=str(tmp_path))


def test_no_file_at_all_names_the_cloud_and_every_path(tmp_path):
    with pytest.raises(ConfigurationError) as info:
        load_profile('a', environ={'HOME': str(tmp_path / 'home')}, cwd=str(tmp_path / 'cwd'))
    assert str(info.value).startswith("Cloud 'a' not found: no clouds.yaml in any of %s, %s, " % (
        tmp_path / 'cwd' / 'clouds.yaml', tmp_path / 'cwd' / 'clouds.yml'))


def test_an_aksk_profile_takes_the_top_level_pair_and_keeps_domain_name(tmp_path):
    environ, path = write(tmp_path, 'clouds: {a: {auth_type: aksk, ak: TOP-AK, sk: top-sk, regions: [{name: r1}, r2], '
                                    'auth: {username: u, user_domain_name: dom, auth_url: "https://iam.x/"}}}\n')
    profile = load_profile('a', environ=environ, cwd=str(tmp_path))
    assert profile.method == 'AK/SK'
    assert (profile.values['access_key'], profile.values['secret_key']) == ('TOP-AK', 'top-sk')
    assert profile.values['domain_name'] == 'dom' and 'username' not in profile.values
    assert profile.values['region'] == 'r1'
    assert profile.values['iam_endpoint'] == 'https://iam.x/v3'
    assert profile.secrets == ['top-sk']
    assert profile.describe() == "cloud 'a' in %s" % path


def test_the_auth_pair_wins_over_the_top_level_pair(tmp_path):
    environ, _path = write(tmp_path, 'clouds: {a: {auth_type: aksk, ak: TOP, sk: top, regions: [r2], '
                                     'auth: {access_key: AUTH-AK, secret_key: auth-sk, '
                                     'auth_url: "https://iam.x/v3.0/"}}}\n')
    profile = load_profile('a', environ=environ, cwd=str(tmp_path))
    assert (profile.values['access_key'], profile.values['secret_key']) == ('AUTH-AK', 'auth-sk')
    assert profile.values['region'] == 'r2'
    assert profile.values['iam_endpoint'] == 'https://iam.x/v3.0'


def test_a_profile_the_cloud_option_names_without_credentials_says_so(tmp_path):
    environ, path = write(tmp_path, 'clouds: {a: {region_name: r}}\n')
    with pytest.raises(ConfigurationError) as info:
        settings(environ, tmp_path, cloud='a')
    assert str(info.value) == ("The clouds.yaml profile, cloud 'a' in %s (named by cloud), has no credentials: add them "
                               "to its auth section (or secure.yaml), or give them as options without cloud. %s"
                               % (path, CHOICE_ORDER))


def test_a_profile_found_through_os_cloud_says_so_and_names_itself(tmp_path):
    environ, path = write(tmp_path, 'clouds: {a: {region_name: r}, t: {auth: {token: tok}, region_name: r}}\n')
    with pytest.raises(ConfigurationError) as info:
        settings(dict(environ, OS_CLOUD='a'), tmp_path)
    assert str(info.value).startswith("The clouds.yaml profile, cloud 'a' in %s (named by OS_CLOUD), has no "
                                      "credentials: add them to its auth section (or secure.yaml), or give them "
                                      "as options without cloud. Credentials come from one place" % path)
    resolved = settings(dict(environ, OS_CLOUD='t'), tmp_path)
    assert resolved.values['cloud'] == 't' and resolved.family == "the clouds.yaml profile, cloud 't' in %s," % path
    assert resolved.sources['auth_token'] == "cloud 't' in %s" % path


def test_without_home_in_the_environment_the_users_home_directory_is_searched(tmp_path, monkeypatch):
    # environ has no HOME: the running user's home (what ~ expands to) holds .config/openstack/clouds.yaml.
    monkeypatch.setenv('HOME', str(tmp_path / 'real-home'))
    user = tmp_path / 'real-home' / '.config' / 'openstack'
    os.makedirs(str(user))
    (user / 'clouds.yaml').write_text('clouds: {a: {auth: {token: tok}}}\n')
    profile = load_profile('a', environ={}, cwd=str(tmp_path / 'cwd'))
    assert profile.path == str(user / 'clouds.yaml')
    assert profile.values['auth_token'] == 'tok'


def test_the_process_environment_is_read_when_no_environ_is_given(tmp_path, monkeypatch):
    environ, path = write(tmp_path, 'clouds: {a: {auth: {token: tok}}}\n')
    for name in ('OS_CLIENT_SECURE_FILE', 'XDG_CONFIG_HOME'):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    profile = load_profile('a', cwd=str(tmp_path / 'cwd'))
    assert profile.path == path and profile.method == 'token'


def test_without_pyyaml_the_message_says_what_is_missing(tmp_path, monkeypatch):
    environ, _path = write(tmp_path, 'clouds: {a: {auth: {token: tok}}}\n')
    monkeypatch.setitem(sys.modules, 'yaml', None)  # makes ``import yaml`` raise ImportError
    with pytest.raises(ConfigurationError) as info:
        load_profile('a', environ=environ, cwd=str(tmp_path))
    prefix = 'The cloud option needs the PyYAML Python library (it comes with ansible-core): '
    message = str(info.value)
    assert message.startswith(prefix) and 'yaml' in message[len(prefix):]  # then why the import failed


def test_a_utf16_clouds_yaml_is_read(tmp_path):
    # YAML streams may be UTF-16 (with a BOM), as editors on Windows save them.
    path = tmp_path / 'clouds.yaml'
    path.write_bytes(u'clouds: {a: {auth: {token: t\u00f6k}}}\n'.encode('utf-16'))
    profile = load_profile('a', environ={'OS_CLIENT_CONFIG_FILE': str(path)}, cwd=str(tmp_path))
    assert profile.values['auth_token'] == u't\u00f6k'


def test_a_yaml_error_without_a_position_names_the_file_only(tmp_path):
    # A control character is refused by the YAML reader, whose error has no line to report.
    environ, path = write(tmp_path, 'clouds: {a: {auth: {token: "t\x07k"}}}\n')
    with pytest.raises(ConfigurationError) as info:
        load_profile('a', environ=environ, cwd=str(tmp_path))
    assert str(info.value) == '%s is not valid YAML' % path


def test_an_empty_clouds_yaml_defines_no_cloud(tmp_path):
    environ, path = write(tmp_path, '')
    with pytest.raises(ConfigurationError) as info:
        load_profile('a', environ=environ, cwd=str(tmp_path))
    assert str(info.value).startswith("Cloud 'a' not found in %s (clouds defined there: none; " % path)


def test_an_empty_value_falls_back_to_the_next_key(tmp_path):
    environ, _path = write(tmp_path, "clouds: {a: {auth: {token: tok, project_name: '', tenant_name: legacy}}}\n")
    profile = load_profile('a', environ=environ, cwd=str(tmp_path))
    assert profile.values['project_name'] == 'legacy'


@pytest.mark.parametrize('auth_url,endpoint', [
    ('https://iam.example.test', 'https://iam.example.test/v3'),
    ('https://iam.example.test///', 'https://iam.example.test/v3'),
    # Only the trailing slashes go; the path is kept as written.
    ('https://iam.example.test/PROJX/', 'https://iam.example.test/PROJX'),
    # The scheme is the first "://": a URL further on is part of the path, which is kept.
    ('https://relay.example.test/to/https://iam.example.test', 'https://relay.example.test/to/https://iam.example.test'),
])
def test_auth_url_gets_v3_only_when_it_has_no_path(tmp_path, auth_url, endpoint):
    environ, _path = write(tmp_path, 'clouds: {a: {auth: {token: tok, auth_url: "%s"}}}\n' % auth_url)
    assert load_profile('a', environ=environ, cwd=str(tmp_path)).values['iam_endpoint'] == endpoint


@pytest.mark.parametrize('auth_url,endpoint', [
    # Malformed URLs (ConnectionSettings refuses them later): a path after the host is still kept ...
    ('https:///v3', 'https:///v3'),
    ('://iam.example.test/v3', '://iam.example.test/v3'),
    # ... and without a scheme there is no host to find a path after, so /v3 is added.
    ('iam.example.test/identity', 'iam.example.test/identity/v3'),
])
def test_auth_url_without_scheme_or_host_is_reported_as_found(tmp_path, auth_url, endpoint):
    environ, _path = write(tmp_path, 'clouds: {a: {auth: {token: tok, auth_url: "%s"}}}\n' % auth_url)
    assert load_profile('a', environ=environ, cwd=str(tmp_path)).values['iam_endpoint'] == endpoint


def test_identity_endpoint_override_at_the_top_level_gets_v3_too(tmp_path):
    environ, _path = write(tmp_path, 'clouds: {a: {identity_endpoint_override: "https://iam.example.test/", '
                                     'auth: {token: tok}}}\n')
    assert load_profile('a', environ=environ, cwd=str(tmp_path)).values['iam_endpoint'] == 'https://iam.example.test/v3'


@pytest.mark.parametrize('access,secret', [('ak', 'sk'), ('access_key', 'secret_key')])
def test_a_top_level_pair_alone_selects_aksk(tmp_path, access, secret):
    environ, _path = write(tmp_path, 'clouds: {a: {region_name: r, %s: TOP-AK, %s: top-sk}}\n' % (access, secret))
    profile = load_profile('a', environ=environ, cwd=str(tmp_path))
    assert profile.method == 'AK/SK'
    assert (profile.values['access_key'], profile.values['secret_key']) == ('TOP-AK', 'top-sk')
    assert profile.secrets == ['top-sk']
    resolved = settings(environ, tmp_path, cloud='a')
    assert resolved.method == 'AK/SK' and resolved.values['access_key'] == 'TOP-AK'


def test_a_pair_in_auth_is_never_completed_from_the_top_level(tmp_path):
    environ, _path = write(tmp_path, 'clouds: {a: {auth_type: aksk, ak: TOP-AK, sk: top-sk, region_name: r, '
                                     'auth: {ak: AUTH-AK}}}\n')
    profile = load_profile('a', environ=environ, cwd=str(tmp_path))
    assert profile.values['access_key'] == 'AUTH-AK'
    assert 'secret_key' not in profile.values
    with pytest.raises(ConfigurationError, match='missing: secret_key'):
        settings(environ, tmp_path, cloud='a')


def test_regions_that_is_not_a_list_is_ignored(tmp_path):
    environ, _path = write(tmp_path, 'clouds: {a: {regions: eu-de, auth: {token: tok}}}\n')
    assert 'region' not in load_profile('a', environ=environ, cwd=str(tmp_path)).values


def test_missing_os_client_config_file_message(tmp_path):
    missing = str(tmp_path / 'missing.yaml')
    with pytest.raises(ConfigurationError) as info:
        load_profile('a', environ={'OS_CLIENT_CONFIG_FILE': missing}, cwd=str(tmp_path))
    assert str(info.value) == 'OS_CLIENT_CONFIG_FILE names %s, which does not exist' % missing


def test_missing_profile_lists_every_file_searched(tmp_path):
    environ, path = write(tmp_path, 'clouds: {b: {}}\n')
    cwd, user = tmp_path / 'cwd', tmp_path / 'home' / '.config' / 'openstack'
    with pytest.raises(ConfigurationError) as info:
        load_profile('a', environ=environ, cwd=str(cwd))
    searched = [path, cwd / 'clouds.yaml', cwd / 'clouds.yml', user / 'clouds.yaml', user / 'clouds.yml',
                '/etc/openstack/clouds.yaml', '/etc/openstack/clouds.yml']
    assert str(info.value) == "Cloud 'a' not found in %s (clouds defined there: 'b'; files searched: %s)" % (
        path, ', '.join(str(item) for item in searched))


def test_os_client_secure_file_names_the_secure_yaml(tmp_path):
    environ, path = write(tmp_path, 'clouds: {a: {region_name: r, auth: {username: u, user_domain_name: d}}}\n')
    secure = tmp_path / 'elsewhere' / 'my-secrets.yaml'
    os.makedirs(str(secure.parent))
    secure.write_text('clouds: {a: {auth: {password: hidden}}}\n')
    profile = load_profile('a', environ=dict(environ, OS_CLIENT_SECURE_FILE=str(secure)), cwd=str(tmp_path / 'cwd'))
    assert profile.method == 'password' and profile.values['password'] == 'hidden'
    assert profile.describe() == "cloud 'a' in %s (with %s)" % (path, secure)


def test_secure_yaml_is_searched_in_the_given_cwd(tmp_path):
    environ, path = write(tmp_path, 'clouds: {a: {region_name: r}}\n')
    cwd = tmp_path / 'cwd'
    os.makedirs(str(cwd))
    # The profile has no auth at all: secure.yaml brings the whole section.
    (cwd / 'secure.yaml').write_text('clouds: {a: {auth: {token: tok}}}\n')
    profile = load_profile('a', environ=environ, cwd=str(cwd))
    assert profile.method == 'token' and profile.values['auth_token'] == 'tok'
    assert profile.path == '%s (with %s)' % (path, cwd / 'secure.yaml')


@pytest.mark.parametrize('secure_text', ['clouds: {other: {auth: {token: x}}}\n', 'clouds: [a]\n', 'clouds: {a: tok}\n', ''])
def test_secure_yaml_without_a_mapping_for_the_cloud_is_ignored(tmp_path, secure_text):
    environ, path = write(tmp_path, 'clouds: {a: {auth: {token: tok}}}\n')
    cwd = tmp_path / 'cwd'
    os.makedirs(str(cwd))
    (cwd / 'secure.yaml').write_text(secure_text)
    profile = load_profile('a', environ=environ, cwd=str(cwd))
    assert profile.values['auth_token'] == 'tok'
    assert profile.path == path


@pytest.mark.parametrize('value', ['maybe', '2', 'null-ish'])
def test_a_metadata_credentials_flag_that_is_not_a_boolean_names_the_cloud_and_the_file(tmp_path, value):
    environ, path = write(tmp_path, 'clouds:\n  ecs-01: {auth: {metadata_credentials: "%s"}}\n' % value)
    with pytest.raises(ConfigurationError) as info:
        load_profile('ecs-01', environ=environ, cwd=str(tmp_path))
    assert str(info.value) == "auth.metadata_credentials of cloud 'ecs-01' in %s must be true or false" % path
