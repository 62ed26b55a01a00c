# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One family at a time (docs/authentication.md): what each family fills in, what an option the user set keeps,
and the whole messages that say why the environment gave no credentials or too many."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.connection import ConnectionSettings
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ConfigurationError
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.test_connection import HW_PASSWORD_SET, params

CHOICE_ORDER = ('Credentials come from one place, the first of: the module options; the clouds.yaml profile named by '
                'cloud; the environment, where exactly one of OS_CLOUD, OS_*, HW_* and HUAWEICLOUD_SDK_* may hold '
                'credentials. Each is taken whole, never completed from another.')


def refusal(options, environ):
    """The message of the ConfigurationError that resolving ``options`` with ``environ`` raises."""
    with pytest.raises(ConfigurationError) as info:
        ConnectionSettings(params(**options), environ=environ)
    return str(info.value)


@pytest.mark.parametrize('unset', [None, ''])
@pytest.mark.parametrize('named_by', ['cloud', 'OS_CLOUD'])
def test_a_profile_in_the_working_directory_fills_the_options_left_empty(tmp_path, unset, named_by):
    # cloud: "" and region: "" in a task are unset options, as if they were not written at all.
    cwd = tmp_path / 'project'
    cwd.mkdir()
    (cwd / 'clouds.yaml').write_text('clouds: {t: {region_name: eu-de, auth: {token: tok-secret}}}\n')
    environ = {'HOME': str(tmp_path / 'home')}
    if named_by == 'OS_CLOUD':
        environ['OS_CLOUD'], cloud = 't', unset
    else:
        cloud = 't'
    resolved = ConnectionSettings(params(cloud=cloud, region=unset), environ=environ, cwd=str(cwd))
    assert resolved.method == 'token' and resolved.values['auth_token'] == 'tok-secret'
    assert resolved.values['cloud'] == 't'
    assert resolved.sources['region'] == "cloud 't' in %s" % (cwd / 'clouds.yaml')
    assert resolved.modelarts_endpoint == 'https://modelarts.eu-de.otc.t-systems.com'


@pytest.mark.parametrize('options,region,iam_endpoint', [
    (dict(), 'eu-de', 'https://iam.hw.example/v3'),
    (dict(region='', iam_endpoint=''), 'eu-de', 'https://iam.hw.example/v3'),
    (dict(region='eu-nl', iam_endpoint='https://iam.mine.example/v3'), 'eu-nl', 'https://iam.mine.example/v3'),
])
def test_the_family_fills_only_the_options_the_user_left_unset(options, region, iam_endpoint):
    resolved = ConnectionSettings(params(**options), environ=HW_PASSWORD_SET)
    assert resolved.method == 'password' and resolved.values['username'] == 'hw-user'
    assert resolved.modelarts_endpoint == 'https://modelarts.%s.otc.t-systems.com' % region
    assert resolved.iam_endpoint == iam_endpoint
    assert resolved.sources.get('region') == (None if options.get('region') else 'HW_REGION_NAME')


def test_variables_that_hold_no_credentials_choose_no_family_and_the_message_lists_every_way():
    # A stray security token, a region, an IAM URL, a project: none of them are credentials.
    message = refusal({}, {'OS_SECURITY_TOKEN': 'sts', 'OS_REGION_NAME': 'eu-de', 'HW_AUTH_URL': 'https://iam.x/v3',
                           'HUAWEICLOUD_SDK_PROJECT_ID': 'p1'})
    assert message == ('No credentials: set access_key and secret_key, or username, password and domain_name, or '
                       'auth_token, or metadata_credentials on an ECS (or one family of environment variables: OS_*, '
                       'HW_* or HUAWEICLOUD_SDK_*), or name a clouds.yaml profile with cloud')


def test_two_families_with_credentials_are_refused_with_the_whole_message():
    message = refusal({}, {'HW_AUTH_TOKEN': 'tok', 'HUAWEICLOUD_SDK_AK': 'ak', 'HUAWEICLOUD_SDK_SK': 'sk'})
    assert message == (
        'The environment holds credentials of more than one family (HW_*: HW_AUTH_TOKEN; HUAWEICLOUD_SDK_*: '
        'HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK). Unset the variables of every family but the one you mean (to keep '
        'HW_*: unset HUAWEICLOUD_SDK_AK HUAWEICLOUD_SDK_SK; to keep HUAWEICLOUD_SDK_*: unset HW_AUTH_TOKEN), or give '
        'the credentials as options. ' + CHOICE_ORDER)


def test_two_methods_in_one_family_are_refused_naming_the_variables_of_each_method():
    message = refusal({}, {'HW_AUTH_TOKEN': 'tok', 'HW_SECRET_KEY': 'sk', 'HW_ACCESS_KEY': 'ak'})
    assert message == ('The environment sets credentials for more than one authentication method (AK/SK: '
                       'HW_ACCESS_KEY, HW_SECRET_KEY; token: HW_AUTH_TOKEN); unset all but one, or set the '
                       'credentials as module options')


@pytest.mark.parametrize('environ,suffix', [
    ({}, ''),
    ({'OS_REGION_NAME': 'eu-de'},
     ' (OS_REGION_NAME is set, but the credentials come from the module options, which is never completed from another '
     'family)'),
])
@pytest.mark.parametrize('endpoint,service', [('modelarts_endpoint', 'ModelArts'), ('iam_endpoint', 'IAM')])
def test_an_endpoint_without_region_names_both_ways_to_give_it(environ, suffix, endpoint, service):
    resolved = ConnectionSettings(params(auth_token='tok'), environ=environ)
    with pytest.raises(ConfigurationError) as info:
        getattr(resolved, endpoint)
    assert str(info.value) == 'region is required to build the %s endpoint; set region or %s%s' % (
        service, endpoint, suffix)


@pytest.mark.parametrize('options,asks_iam', [
    (dict(auth_token='tok'), True),  # the project is looked up with the token itself
    (dict(auth_token='tok', project_id='p1'), False),
    (dict(access_key='AK', secret_key='SK', security_token='sts'), True),  # a signed lookup, with the security token
    (dict(access_key='AK', secret_key='SK', project_id='p1'), False),
    (dict(access_key='AK', secret_key='SK', project_id='p1', agency_name='ops', agency_domain_name='other'), True),
    (dict(username='u', password='pw', domain_name='d', project_id='p1'), True),
])
def test_a_remote_http_iam_endpoint_is_warned_about_whenever_a_credential_goes_there(options, asks_iam):
    resolved = ConnectionSettings(params(region='eu-de', iam_endpoint='http://iam.example/v3', **options), environ={})
    warning = 'iam_endpoint uses http://: credentials and tokens cross the network unencrypted; use https://'
    assert resolved.cleartext_endpoints() == ([warning] if asks_iam else [])
