# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which auth method and endpoints the shared options and the environment resolve to."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
    settings = ConnectionSettings(params(auth_token='tok'), environ={'HW_CLOUD': 'myhuaweicloud.com',
                                                                     'HW_REGION_NAME': 'ap-southeast-1'})
    assert settings.modelarts_endpoint == 'https://modelarts.ap-southeast-1.myhuaweicloud.com'
    assert settings.iam_endpoint == 'https://iam.ap-southeast-1.myhuaweicloud.com/v3'


def test_explicit_endpoint_wins_and_loses_trailing_slash():
    settings = ConnectionSettings(params(auth_token='t', modelarts_endpoint='http://127.0.0.1:9/',
                                         iam_endpoint='http://127.0.0.1:9/v3/'), environ={'OS_AUTH_URL': 'https://x/v3'})
    assert settings.modelarts_endpoint == 'http://127.0.0.1:9'
    assert settings.iam_endpoint == 'http://127.0.0.1:9/v3'


def test_two_explicit_methods_are_refused_naming_both():
    with pytest.raises(ConfigurationError, match='AK/SK and password'):
        ConnectionSettings(params(access_key='AK', secret_key='SK', username='u', password='p'), environ={})


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


def test_password_from_both_env_families():
    settings = ConnectionSettings(params(), environ={'HW_USER_NAME': 'u', 'HW_USER_PASSWORD': 'pw',
                                                     'OS_USER_DOMAIN_NAME': 'dom'})
    assert settings.method == 'password'
    assert (settings.values['username'], settings.values['domain_name']) == ('u', 'dom')


def test_os_family_comes_before_hw_family():
    settings = ConnectionSettings(params(), environ={'OS_AUTH_TOKEN': 'os', 'HW_AUTH_TOKEN': 'hw'})
    assert settings.values['auth_token'] == 'os'


def test_secrets_include_values_from_the_environment():
    settings = ConnectionSettings(params(access_key='AK'), environ={'OS_SECRET_KEY': 'env-secret',
                                                                    'OS_SECURITY_TOKEN': 'env-token'})
    assert set(settings.secrets()) == {'env-secret', 'env-token'}


def test_security_token_alone_selects_aksk_and_asks_for_keys():
    with pytest.raises(ConfigurationError, match='AK/SK authentication needs access_key, secret_key'):
        ConnectionSettings(params(security_token='t'), environ={})


def test_missing_region_is_named_when_an_endpoint_is_needed():
    settings = ConnectionSettings(params(auth_token='t'), environ={})
    with pytest.raises(ConfigurationError, match='region is required.*modelarts_endpoint'):
        settings.modelarts_endpoint


@pytest.mark.parametrize('option,value,message', [('timeout', 0, r'^timeout must be between 1 and 3600 seconds, got 0$'),
                                                  ('timeout', 10 ** 12, r'^timeout must be between 1 and 3600'),
                                                  ('max_retries', -1, r'^max_retries must be between 0 and 10, got -1$'),
                                                  ('max_retries', 11, r'^max_retries must be between 0 and 10, got 11$'),
                                                  ('max_concurrent_requests', 0, 'between 1 and 32, got 0'),
                                                  ('max_concurrent_requests', 33, 'between 1 and 32, got 33')])
def test_numbers_out_of_range(option, value, message):
    with pytest.raises(ConfigurationError, match=message):
        ConnectionSettings(params(auth_token='t', **{option: value}), environ={})
