# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``cloud`` option: clouds.yaml profiles, where they are searched, and how they mix with options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.clouds_yaml import candidate_files, load_profile
from ansible_collections.mlops.cloud.plugins.module_utils.connection import (
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


@pytest.mark.parametrize('credentials', [dict(password='pw-Xq7'), dict(auth_token='tok-Zr9')])
def test_credentials_as_options_and_a_profile_are_refused(clouds, tmp_path, credentials):
    with pytest.raises(ConfigurationError) as info:
        settings(clouds, tmp_path, cloud='otc', **credentials)
    message = str(info.value)
    assert message.startswith('Credentials are set as options (%s) and cloud names a clouds.yaml profile' %
                              list(credentials)[0])
    assert list(credentials.values())[0] not in message


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
