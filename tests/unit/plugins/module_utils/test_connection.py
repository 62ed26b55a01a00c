# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which auth method and endpoints the shared options and the environment resolve to."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.connection import (
    ConnectionSettings,
    connection_argument_spec,
)
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ConfigurationError


def params(**overrides):
    values = dict((name, spec.get('default')) for name, spec in connection_argument_spec().items())
    values.update(overrides)
    return values


def test_explicit_aksk():
    settings = ConnectionSettings(params(access_key='AK', secret_key='SK', region='eu-de'), environ={})
    assert settings.method == 'AK/SK'
    assert settings.modelarts_endpoint == 'https://modelarts.eu-de.otc.t-systems.com'
    assert settings.iam_endpoint == 'https://iam.eu-de.otc.t-systems.com/v3'


def test_huawei_cloud_domain_from_env():
    settings = ConnectionSettings(params(), environ={'HW_AUTH_TOKEN': 'tok', 'HW_CLOUD': 'myhuaweicloud.com',
                                                     'HW_REGION_NAME': 'ap-southeast-1'})
    assert settings.modelarts_endpoint == 'https://modelarts.ap-southeast-1.myhuaweicloud.com'
    assert settings.iam_endpoint == 'https://iam.ap-southeast-1.myhuaweicloud.com/v3'


def test_explicit_endpoint_wins_and_loses_trailing_slash():
    settings = ConnectionSettings(params(auth_token='t', modelarts_endpoint='http://127.0.0.1:9/',
                                         iam_endpoint='http://127.0.0.1:9/v3/'), environ={'OS_AUTH_URL': 'https://x/v3'})
    assert settings.modelarts_endpoint == 'http://127.0.0.1:9'
    assert settings.iam_endpoint == 'http://127.0.0.1:9/v3'


def test_two_explicit_methods_are_refused_naming_both():
    with pytest.raises(ConfigurationError) as info:
        ConnectionSettings(params(access_key='AK', secret_key='SK', username='u', password='p'), environ={})
    assert str(info.value) == ('Options for more than one authentication method are set (AK/SK and password); set only '
                               'one of: access_key/secret_key, username/password, auth_token, metadata_credentials')


def test_an_option_given_empty_is_unset_and_the_variable_of_another_family_is_named():
    settings = ConnectionSettings(params(access_key='AK', secret_key='SK', region=''), environ={'OS_REGION_NAME': 'eu-de'})
    assert settings.values['region'] is None
    assert settings.notices() == ['OS_REGION_NAME is set but not used: the credentials come from the module options, and '
                                  'a family is never completed from another; set region as an option if you mean it']


def test_explicit_method_wins_over_other_methods_in_the_environment():
    settings = ConnectionSettings(params(auth_token='tok'), environ={'OS_USERNAME': 'u', 'OS_PASSWORD': 'p'})
    assert settings.method == 'token'
    assert settings.values['password'] is None


def test_two_methods_in_the_environment_are_refused_naming_the_variables():
    with pytest.raises(ConfigurationError, match='OS_ACCESS_KEY.*OS_USERNAME|OS_USERNAME.*OS_ACCESS_KEY'):
        ConnectionSettings(params(), environ={'OS_ACCESS_KEY': 'a', 'OS_SECRET_KEY': 's', 'OS_USERNAME': 'u'})


def test_no_credentials():
    with pytest.raises(ConfigurationError, match='No credentials'):
        ConnectionSettings(params(region='eu-de'), environ={})


def test_password_method_names_what_is_missing():
    with pytest.raises(ConfigurationError, match='missing: domain_name'):
        ConnectionSettings(params(username='u', password='p'), environ={})


HW_PASSWORD_SET = {'HW_USER_NAME': 'hw-user', 'HW_USER_PASSWORD': 'hw-password', 'HW_DOMAIN_NAME': 'hw-domain',
                   'HW_AUTH_URL': 'https://iam.hw.example/v3', 'HW_REGION_NAME': 'eu-de'}


def test_a_complete_family_goes_to_its_own_endpoint_not_to_a_leftover_of_another():
    settings = ConnectionSettings(params(), environ=dict(HW_PASSWORD_SET, OS_AUTH_URL='https://iam.os.example/v3',
                                                         OS_PROJECT_NAME='leftover'))
    assert settings.method == 'password'
    assert settings.iam_endpoint == 'https://iam.hw.example/v3'
    assert settings.values['project_name'] is None
    assert settings.sources['password'] == 'HW_USER_PASSWORD'
    assert settings.notices() == ['OS_PROJECT_NAME is set but not used: the credentials come from the HW_* '
                                  'environment variables, and a family is never completed from another; set '
                                  'project_name as an option if you mean it']


def test_credentials_in_two_families_are_refused_naming_each_and_what_to_unset():
    with pytest.raises(ConfigurationError) as info:
        ConnectionSettings(params(), environ=dict(HW_PASSWORD_SET, OS_USERNAME='stale'))
    message = str(info.value)
    assert 'more than one family (OS_*: OS_USERNAME; HW_*: HW_USER_NAME, HW_USER_PASSWORD, HW_DOMAIN_NAME)' in message
    assert ('(to keep OS_*: unset HW_USER_NAME HW_USER_PASSWORD HW_DOMAIN_NAME; to keep HW_*: unset OS_USERNAME)'
            in message)
    assert 'the first of: the module options; the clouds.yaml profile' in message
    assert 'hw-password' not in message and 'stale' not in message


def test_a_family_is_not_completed_from_another():
    with pytest.raises(ConfigurationError) as info:
        ConnectionSettings(params(), environ={'HW_USER_NAME': 'u', 'HW_USER_PASSWORD': 'pw',
                                              'OS_USER_DOMAIN_NAME': 'dom'})
    assert str(info.value).startswith('password authentication needs username, password, domain_name; missing: '
                                      'domain_name, from the HW_* environment variables (OS_USER_DOMAIN_NAME is set')


def test_what_a_method_misses_is_named_with_each_variable_of_another_family_not_used():
    with pytest.raises(ConfigurationError) as info:
        ConnectionSettings(params(username='u'), environ={'OS_PASSWORD': 'os-password', 'OS_DOMAIN_NAME': 'os-domain'})
    unused = ' (%s is set, but the credentials come from the module options, which is never completed from another family)'
    assert str(info.value) == ('password authentication needs username, password, domain_name; missing: password, '
                               'domain_name, from the module options' + unused % 'OS_PASSWORD' + unused % 'OS_DOMAIN_NAME')


@pytest.mark.parametrize('given,method,resolved', [
    (None, 'AK/SK', False), (False, 'AK/SK', False), (True, 'metadata', True), ('yes', 'metadata', True),
    (' On ', 'metadata', True)])
def test_metadata_credentials_resolves_to_true_or_false(given, method, resolved):
    keys = {} if method == 'metadata' else dict(access_key='AK', secret_key='SK')
    settings = ConnectionSettings(params(metadata_credentials=given, **keys), environ={})
    assert (settings.method, settings.values['metadata_credentials']) == (method, resolved)


def test_metadata_credentials_that_is_neither_true_nor_false_is_refused():
    with pytest.raises(ConfigurationError) as info:
        ConnectionSettings(params(metadata_credentials='maybe'), environ={})
    assert str(info.value) == 'metadata_credentials must be true or false'


def test_the_sdk_variables_are_a_family_of_their_own():
    settings = ConnectionSettings(params(region='ap-southeast-1'), environ={
        'HUAWEICLOUD_SDK_AK': 'sdk-ak', 'HUAWEICLOUD_SDK_SK': 'sdk-sk', 'HUAWEICLOUD_SDK_SECURITY_TOKEN': 'sdk-sts',
        'HUAWEICLOUD_SDK_PROJECT_ID': 'sdk-project', 'OS_PROJECT_ID': 'os-project', 'HW_REGION_NAME': 'eu-de'})
    assert settings.method == 'AK/SK'
    assert [settings.values[option] for option in ('access_key', 'secret_key', 'security_token', 'project_id')] == [
        'sdk-ak', 'sdk-sk', 'sdk-sts', 'sdk-project']
    assert settings.values['region'] == 'ap-southeast-1'  # an explicit option always applies
    with pytest.raises(ConfigurationError, match='HUAWEICLOUD_SDK_AK.*OS_ACCESS_KEY|OS_ACCESS_KEY.*HUAWEICLOUD_SDK_AK'):
        ConnectionSettings(params(), environ={'HUAWEICLOUD_SDK_AK': 'a', 'OS_ACCESS_KEY': 'b'})


def test_os_cloud_and_another_family_are_refused():
    with pytest.raises(ConfigurationError, match=r'HW_\*: HW_AUTH_TOKEN; OS_CLOUD: OS_CLOUD'):
        ConnectionSettings(params(), environ={'HW_AUTH_TOKEN': 'tok', 'OS_CLOUD': 'otc'})


def test_credentials_as_options_are_not_completed_from_the_environment():
    environ = {'OS_SECRET_KEY': 'env-secret', 'OS_SECURITY_TOKEN': 'env-token', 'OS_REGION_NAME': 'eu-de'}
    with pytest.raises(ConfigurationError) as info:
        ConnectionSettings(params(access_key='AK'), environ=environ)
    assert 'missing: secret_key, from the module options (OS_SECRET_KEY is set' in str(info.value)
    settings = ConnectionSettings(params(access_key='AK', secret_key='SK'), environ=environ)
    with pytest.raises(ConfigurationError, match=r'region is required .*\(OS_REGION_NAME is set, but the '
                                                 r'credentials come from the module options'):
        settings.modelarts_endpoint
    assert [notice.split(' ')[0] for notice in settings.notices()] == ['OS_REGION_NAME', 'OS_SECURITY_TOKEN']


def test_secrets_include_values_from_the_environment_used_or_not():
    settings = ConnectionSettings(params(), environ={'OS_ACCESS_KEY': 'AK', 'OS_SECRET_KEY': 'env-secret',
                                                     'OS_SECURITY_TOKEN': 'env-token', 'HW_SECURITY_TOKEN': 'unused'})
    assert settings.values['security_token'] == 'env-token'
    assert set(settings.secrets()) == {'env-secret', 'env-token', 'unused'}


def test_security_token_alone_selects_aksk_and_asks_for_keys():
    with pytest.raises(ConfigurationError, match='AK/SK authentication needs access_key, secret_key'):
        ConnectionSettings(params(security_token='t'), environ={})


def test_missing_region_is_named_when_an_endpoint_is_needed():
    settings = ConnectionSettings(params(auth_token='t'), environ={})
    with pytest.raises(ConfigurationError, match='region is required.*modelarts_endpoint'):
        settings.modelarts_endpoint


CONTROL = '%s contains a control character (a line break or tab inside the value); remove it'
NOT_FOR_A_HEADER = ('%s contains a space or a character outside printable ASCII, which cannot be sent in an HTTP header; '
                    'check the value')


@pytest.mark.parametrize('options,message', [
    (dict(auth_token='to\nken'), CONTROL % 'auth_token'),
    (dict(access_key='A\x1fK', secret_key='SK'), CONTROL % 'access_key'),
    (dict(access_key='AK', secret_key='S\x7fK'), CONTROL % 'secret_key'),
    (dict(username='user', password='pass\tword', domain_name='domain'), CONTROL % 'password'),
    (dict(auth_token='to ken'), NOT_FOR_A_HEADER % 'auth_token'),
    (dict(access_key='AK\x80', secret_key='SK'), NOT_FOR_A_HEADER % 'access_key'),
    (dict(access_key='AK', secret_key='SK', security_token='st\u00e9s'), NOT_FOR_A_HEADER % 'security_token'),
], ids=['line-break', 'unit-separator', 'delete', 'tab', 'space-in-a-header', 'beyond-ascii', 'accent-in-a-header'])
def test_a_credential_that_cannot_be_sent_is_refused_naming_it_without_quoting_it(options, message):
    with pytest.raises(ConfigurationError) as error:
        ConnectionSettings(params(**options), environ={})
    assert str(error.value) == message


def test_credentials_lose_surrounding_blanks_and_keep_what_their_use_allows():
    # Read from a file, a value ends in a line break. A header value may hold visible ASCII only; a secret key
    # (it signs, it is never sent) and a password (sent in a JSON body) may hold spaces and any letter.
    settings = ConnectionSettings(params(access_key=' AK\n', secret_key='\tS K\u00e9 \r\n', security_token='!sts~\n'),
                                  environ={})
    assert [settings.values[option] for option in ('access_key', 'secret_key', 'security_token')] == [
        'AK', 'S K\u00e9', '!sts~']
    settings = ConnectionSettings(params(username=' user\n', password='pass w\u00f6rd\n', domain_name='domain'), environ={})
    assert (settings.values['username'], settings.values['password']) == ('user', 'pass w\u00f6rd')


@pytest.mark.parametrize('option,value,message', [('timeout', 0, r'^timeout must be between 1 and 3600 seconds, got 0$'),
                                                  ('timeout', 10 ** 12, r'^timeout must be between 1 and 3600'),
                                                  ('max_retries', -1, r'^max_retries must be between 0 and 10, got -1$'),
                                                  ('max_retries', 11, r'^max_retries must be between 0 and 10, got 11$'),
                                                  ('max_concurrent_requests', 0, 'between 1 and 32, got 0'),
                                                  ('max_concurrent_requests', 33, 'between 1 and 32, got 33')])
def test_numbers_out_of_range(option, value, message):
    with pytest.raises(ConfigurationError, match=message):
        ConnectionSettings(params(auth_token='t', **{option: value}), environ={})


@pytest.mark.parametrize('option,lowest,highest', [
    ('timeout', 1, 3600), ('max_retries', 0, 10), ('max_concurrent_requests', 1, 32), ('max_result_mb', 1, 4096),
    ('max_items', 1, 10000000)])
def test_numbers_at_the_ends_of_their_range_are_taken_and_one_beyond_is_refused(option, lowest, highest):
    for value in (lowest, highest):
        assert ConnectionSettings(params(auth_token='t', **{option: value}), environ={}).values[option] == value
    for value in (lowest - 1, highest + 1):
        with pytest.raises(ConfigurationError) as error:
            ConnectionSettings(params(auth_token='t', **{option: value}), environ={})
        assert str(error.value) == '%s must be between %d and %d%s, got %d' % (
            option, lowest, highest, ' seconds' if option == 'timeout' else '', value)


@pytest.mark.parametrize('option,value,message', [
    ('region', 'eu de', "region must be a host name part such as eu-de, got 'eu de'"),
    ('region', 'eu-de/../x', "region must be a host name part such as eu-de, got 'eu-de/../x'"),
    ('region', 'x' * 70 + '.', "region must be a host name part such as eu-de, got '%s'" % ('x' * 64)),
    ('cloud_domain', 'localhost', "cloud_domain must be a host name part such as otc.t-systems.com, got 'localhost'"),
    ('cloud_domain', 'example.com/x', "cloud_domain must be a host name part such as otc.t-systems.com, got 'example.com/x'"),
])
def test_a_region_or_cloud_domain_that_is_no_host_name_part_is_refused(option, value, message):
    with pytest.raises(ConfigurationError) as error:
        ConnectionSettings(params(auth_token='t', **{option: value}), environ={})
    assert str(error.value) == message


@pytest.mark.parametrize('option', ['modelarts_endpoint', 'iam_endpoint', 'metadata_endpoint'])
@pytest.mark.parametrize('url,problem', [
    ('https://modelarts.example:port', 'is not a valid URL'),
    ('https://[::1', 'is not a valid URL'),
    ('ftp://modelarts.example', 'must be an https:// URL with a host name'),
    ('https:///v3', 'must be an https:// URL with a host name'),
    ('https://user:pw@modelarts.example', 'must not contain credentials (user:password@host); set them with the '
                                          'authentication options'),
], ids=['port', 'bracket', 'scheme', 'no-host', 'credentials'])
def test_an_endpoint_that_is_no_usable_url_is_refused_naming_the_option(option, url, problem):
    with pytest.raises(ConfigurationError) as error:
        ConnectionSettings(params(auth_token='t', **{option: url}), environ={})
    assert str(error.value) == '%s %s' % (option, problem)


@pytest.mark.parametrize('environ,expected', [
    ({}, []),
    ({'HTTP_PROXY': 'http://user:proxy-pw@proxy.corp.example:3128'},
     ["modelarts_endpoint uses http:// through the proxy proxy.corp.example (HTTP_PROXY): credentials and tokens "
      "cross the network unencrypted; use https://, or add the endpoint's host to no_proxy"]),
    ({'HTTP_PROXY': 'http://upper.example:1', 'http_proxy': 'lower.example:3128'}, ['proxy lower.example (http_proxy)']),
    ({'ALL_PROXY': 'socks5://all.example:1080'}, ['proxy all.example (ALL_PROXY)']),
    ({'HTTP_PROXY': 'http://proxy.corp.example:3128', 'NO_PROXY': '127.0.0.1,localhost'}, []),
    ({'HTTPS_PROXY': 'http://proxy.corp.example:3128'}, []),
    ({'HTTP_PROXY': 'http://127.0.0.1:3128'}, []),
])
def test_a_proxy_on_a_cleartext_path_is_warned_about_like_a_remote_http_endpoint(environ, expected):
    settings = ConnectionSettings(params(auth_token='t', modelarts_endpoint='http://127.0.0.1:9'), environ=environ)
    warnings = settings.cleartext_endpoints()
    assert len(warnings) == len(expected)
    for warning, part in zip(warnings, expected):
        assert part in warning
        assert 'proxy-pw' not in warning


def test_a_remote_http_endpoint_is_warned_about_once():
    settings = ConnectionSettings(params(auth_token='t', modelarts_endpoint='http://modelarts.example'), environ={
        'HTTP_PROXY': 'http://proxy.corp.example:3128'})
    assert settings.cleartext_endpoints() == [
        'modelarts_endpoint uses http://: credentials and tokens cross the network unencrypted; use https://']


@pytest.mark.parametrize('path', ['missing.pem', '.'], ids=['missing', 'directory'])
@pytest.mark.parametrize('validate_certs', [True, 'unset'], ids=['validate_certs', 'not-in-the-params'])
def test_a_ca_cert_that_is_not_a_file_is_refused_when_certificates_are_validated(tmp_path, path, validate_certs):
    path = str(tmp_path / path)
    values = params(auth_token='t', ca_cert=path, validate_certs=validate_certs)
    if validate_certs == 'unset':  # a caller's own spec without validate_certs: validated, as by default
        del values['validate_certs']
    with pytest.raises(ConfigurationError, match='^ca_cert %s does not exist or is not a file$' % re.escape(path)):
        ConnectionSettings(values, environ={})
    assert ConnectionSettings(dict(values, validate_certs=False), environ={}).values['ca_cert'] == path


def test_a_ca_cert_the_user_cannot_read_is_refused(tmp_path, monkeypatch):
    ca_file = tmp_path / 'ca.pem'
    ca_file.write_text('-----BEGIN CERTIFICATE-----\n')
    real_access = os.access
    # Permission bits do not stop root, who runs some test machines: the file is one this user may not read.
    monkeypatch.setattr(os, 'access', lambda path, mode: not mode & os.R_OK if path == str(ca_file) else real_access(path, mode))
    with pytest.raises(ConfigurationError, match='^ca_cert %s is not readable$' % re.escape(str(ca_file))):
        ConnectionSettings(params(auth_token='t', ca_cert=str(ca_file)), environ={})
    monkeypatch.undo()
    assert ConnectionSettings(params(auth_token='t', ca_cert=str(ca_file)), environ={}).values['ca_cert'] == str(ca_file)
