# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An agency assumed on top of each base method, against the emulator as a real server: the partner
account's project is listed, refusals fail before any ModelArts request, credentials are renewed and secret."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import json
import stat
import time

import pytest
import requests

from ansible_collections.mlops.cloud.plugins.module_utils.agency import Agency, AgencyTokenAuth, agency_keys_auth
from ansible_collections.mlops.cloud.plugins.module_utils.auth import AkSkAuth, StaticTokenAuth
from ansible_collections.mlops.cloud.plugins.module_utils.client import ApiClient, ApiResponse
from ansible_collections.mlops.cloud.plugins.module_utils.connection import ConnectionSettings
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ApiError, ConfigurationError
from ansible_collections.mlops.cloud.plugins.module_utils.iam import request_agency_token, request_temporary_keys
from ansible_collections.mlops.cloud.plugins.module_utils.retries import RetryPolicy
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import Redactor
from ansible_collections.mlops.cloud.plugins.module_utils.temporary_keys import (
    RenewedKeysAuth,
    TemporaryKeys,
    renewal_due,
)
from ansible_collections.mlops.cloud.plugins.module_utils.token_cache import TokenCache
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.emulator_connection import (
    configure,
    connect,
    dataset_names,
    params,
    routes,
)
from ansible_collections.mlops.cloud.tests.unit.plugins.module_utils.local_http import QuietHandler, serving

PARTNER_PROJECT = '7c6b5a4f3e2d41c0b9a8f7e6d5c4b3a2'
PARTNER_DOMAIN_ID = '5f4e3d2c1b0a49f88e7d6c5b4a392817'
OWN_PROJECT = '0a1b2c3d4e5f40718293a4b5c6d7e8f9'
PASSWORD = dict(username='emulator-user', password='emulator-password', domain_name='emulator-domain')
KEYS = dict(access_key='EMULATORAK0000000001', secret_key='emulator-sk-0000000000000000000000000001')
BY_NAME = dict(agency_name='audit-agency', agency_domain_name='partner-domain')
BY_ID = dict(agency_name='audit-agency', agency_domain_id=PARTNER_DOMAIN_ID)
TOKENS_ROUTE = 'POST /v3/auth/tokens'
KEYS_ROUTE = 'POST /v3.0/OS-CREDENTIAL/securitytokens'


pytestmark = pytest.mark.usefixtures('no_machine_credentials')


def modelarts_requests(url):
    return sum(count for route, count in routes(url).items() if ' /v2/' in route)


@pytest.mark.parametrize('base', [PASSWORD, KEYS], ids=['password', 'aksk'])
@pytest.mark.parametrize('agency', [BY_NAME, BY_ID], ids=['domain_name', 'domain_id'])
def test_an_agency_lists_the_delegating_accounts_project(emulator, base, agency):
    connection = connect(emulator, **dict(base, **agency))
    assert dataset_names(connection) == ['partner-dataset']
    assert connection.project_id == PARTNER_PROJECT
    served = routes(emulator)
    if base is PASSWORD:  # the user's token, then the agency token
        assert served[TOKENS_ROUTE] == 2 and KEYS_ROUTE not in served
    else:  # temporary keys, then the project by name, signed with them
        assert served[KEYS_ROUTE] == 1 and served['GET /v3/projects'] == 1 and TOKENS_ROUTE not in served


def test_a_given_token_assumes_an_agency_for_a_project_given_by_id(emulator):
    issued = requests.post(emulator + '/v3/auth/tokens', json={'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': 'emulator-user', 'password': 'emulator-password', 'domain': {'name': 'emulator-domain'}}}},
        'scope': {'project': {'name': 'eu-de'}}}})
    connection = connect(emulator, auth_token=issued.headers['X-Subject-Token'], project_id=PARTNER_PROJECT, **BY_NAME)
    assert dataset_names(connection) == ['partner-dataset']


def test_without_an_agency_the_same_user_sees_its_own_project(emulator):
    connection = connect(emulator, **PASSWORD)
    assert 'partner-dataset' not in dataset_names(connection) and connection.project_id == OWN_PROJECT


@pytest.mark.parametrize('base', [PASSWORD, KEYS], ids=['password', 'aksk'])
@pytest.mark.parametrize('agency,status,code', [
    (dict(agency_name='no-such-agency', agency_domain_name='partner-domain'), 404, 'IAM.0004'),
    (dict(agency_name='closed-agency', agency_domain_name='partner-domain'), 403, 'IAM.0002'),
    (dict(agency_name='audit-agency', agency_domain_name='no-such-domain'), 404, 'IAM.0004'),
], ids=['unknown-agency', 'untrusting-agency', 'unknown-domain'])
def test_a_refused_agency_fails_before_any_modelarts_request_naming_agency_and_domain(
        emulator, base, agency, status, code):
    connection = connect(emulator, **dict(base, **agency))
    with pytest.raises(ApiError) as failure:
        dataset_names(connection)
    message = str(failure.value)
    assert message.startswith('Assuming agency %s of domain %s' % (agency['agency_name'], agency['agency_domain_name']))
    assert 'failed: HTTP %d, error code %s' % (status, code) in message
    assert ('does not trust your account' if status == 403 else 'check agency_name') in message
    assert modelarts_requests(emulator) == 0
    assert base.get('password', base.get('secret_key')) not in message


@pytest.mark.parametrize('options,message', [
    (dict(BY_NAME, agency_duration=600), r'^agency_duration must be between 900 and 86400 seconds \(15 minutes to '
                                         r'24 hours\), got 600$'),
    (dict(BY_NAME, agency_duration=86401), 'agency_duration must be between 900 and 86400 seconds'),
    (dict(agency_name='audit-agency'), '^agency_name needs exactly one of agency_domain_name and agency_domain_id '
                                       r'\(the account that created the agency\); neither is set$'),
    (dict(BY_NAME, agency_domain_id=PARTNER_DOMAIN_ID), 'needs exactly one of .*; both are set$'),
    (dict(agency_domain_name='partner-domain'), r'^agency_domain_name set without agency_name: set agency_name \(the '
                                                r'agency to assume\), or drop it$'),
    (dict(agency_domain_id=PARTNER_DOMAIN_ID, agency_duration=3600, agency_name=' '),
     r'^agency_domain_id, agency_duration set without agency_name: set agency_name \(the agency to assume\), or drop them$'),
])
def test_an_incomplete_agency_or_a_bad_duration_is_refused_naming_the_option(emulator, options, message):
    with pytest.raises(ConfigurationError, match=message):
        connect(emulator, **dict(PASSWORD, **options))
    assert routes(emulator) == {}


def test_a_duration_from_the_environment_is_checked_naming_its_variable(emulator, monkeypatch):
    for name, value in (('HW_ACCESS_KEY', KEYS['access_key']), ('HW_SECRET_KEY', KEYS['secret_key']),
                        ('HW_ASSUME_ROLE_AGENCY_NAME', 'audit-agency'), ('HW_ASSUME_ROLE_DOMAIN_NAME', 'partner-domain'),
                        ('HW_ASSUME_ROLE_DURATION', 'an hour')):
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=r'^agency_duration \(from HW_ASSUME_ROLE_DURATION\) must be a whole'):
        connect(emulator)
    monkeypatch.setenv('HW_ASSUME_ROLE_DURATION', '3600')
    connection = connect(emulator)
    assert connection.settings.agency.duration == 3600
    assert dataset_names(connection) == ['partner-dataset']


def test_agency_variables_without_an_agency_name_are_refused_naming_them(emulator, monkeypatch):
    for name, value in (('HW_ACCESS_KEY', KEYS['access_key']), ('HW_SECRET_KEY', KEYS['secret_key']),
                        ('HW_ASSUME_ROLE_DOMAIN_ID', PARTNER_DOMAIN_ID), ('HW_ASSUME_ROLE_DURATION', '3600')):
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as error:
        connect(emulator)
    assert str(error.value) == (
        'agency_domain_id (from HW_ASSUME_ROLE_DOMAIN_ID), agency_duration (from HW_ASSUME_ROLE_DURATION) set without '
        'agency_name: set agency_name (the agency to assume), or drop them')
    assert routes(emulator) == {}


def test_an_agency_name_from_the_environment_without_its_domain_is_refused_naming_its_variable(emulator, monkeypatch):
    for name, value in (('HW_ACCESS_KEY', KEYS['access_key']), ('HW_SECRET_KEY', KEYS['secret_key']),
                        ('HW_ASSUME_ROLE_AGENCY_NAME', 'audit-agency')):
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as error:
        connect(emulator)
    assert str(error.value) == ('agency_name (from HW_ASSUME_ROLE_AGENCY_NAME) needs exactly one of agency_domain_name '
                                'and agency_domain_id (the account that created the agency); neither is set')


@pytest.mark.parametrize('options,variable,message', [
    (dict(agency_domain_name='partner-domain'), 'HW_ASSUME_ROLE_AGENCY_NAME',
     'agency_domain_name set without agency_name: set agency_name (the agency to assume), or drop it'),
    (dict(agency_name='audit-agency'), 'HW_ASSUME_ROLE_DOMAIN_NAME', 'agency_name needs exactly one of agency_domain_name '
                                                                     'and agency_domain_id (the account that created the agency); neither is set'),
    (dict(agency_name='audit-agency'), 'HW_ASSUME_ROLE_DOMAIN_ID', 'agency_name needs exactly one of agency_domain_name '
                                                                   'and agency_domain_id (the account that created the agency); neither is set'),
], ids=['agency_name', 'agency_domain_name', 'agency_domain_id'])
def test_an_incomplete_agency_of_the_options_names_the_agency_variable_not_used(emulator, monkeypatch, options, variable,
                                                                                message):
    monkeypatch.setenv(variable, 'set-for-another-run')
    with pytest.raises(ConfigurationError) as error:
        connect(emulator, **dict(KEYS, **options))
    assert str(error.value) == message + (' (%s is set, but the credentials come from the module options, which is never '
                                          'completed from another family)' % variable)


@pytest.mark.parametrize('agency', [
    dict(agency_name=' audit-agency\n', agency_domain_name='\tpartner-domain\n', agency_domain_id='  '),
    dict(agency_name='audit-agency', agency_domain_name=' ', agency_domain_id=' %s\n' % PARTNER_DOMAIN_ID),
], ids=['domain_name', 'domain_id'])
def test_agency_options_are_taken_without_surrounding_blanks_and_a_blank_one_is_unset(emulator, agency):
    # As read from a file or a template: a line break around a value, a blank for the option not meant.
    assert dataset_names(connect(emulator, **dict(KEYS, **agency))) == ['partner-dataset']


@pytest.mark.parametrize('duration', [900, 86400])
def test_an_agency_is_held_from_15_minutes_to_24_hours(emulator, duration):
    connection = connect(emulator, **dict(KEYS, agency_duration=duration, **BY_NAME))
    assert dataset_names(connection) == ['partner-dataset']


def test_a_duration_from_the_environment_out_of_range_is_refused_naming_its_variable(emulator, monkeypatch):
    for name, value in (('HW_ACCESS_KEY', KEYS['access_key']), ('HW_SECRET_KEY', KEYS['secret_key']),
                        ('HW_ASSUME_ROLE_AGENCY_NAME', 'audit-agency'), ('HW_ASSUME_ROLE_DOMAIN_NAME', 'partner-domain'),
                        ('HW_ASSUME_ROLE_DURATION', '600')):
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as error:
        connect(emulator)
    assert str(error.value) == ('agency_duration must be between 900 and 86400 seconds (15 minutes to 24 hours), got 600 '
                                '(from HW_ASSUME_ROLE_DURATION)')


def test_the_agency_token_is_a_secret_from_the_moment_it_is_obtained(emulator):
    redactor = Redactor()
    connection = connect(emulator, redactor=redactor, **dict(PASSWORD, **BY_NAME))
    dataset_names(connection)
    token = connection.auth.token().value
    assert token in redactor.forms() and token not in redactor.scrub('the token is %s' % token)


def test_temporary_keys_are_secrets_from_the_moment_they_are_obtained(emulator):
    redactor = Redactor()
    connection = connect(emulator, redactor=redactor, **dict(KEYS, **BY_ID))
    dataset_names(connection)
    keys = connection.auth.keys()
    for secret in (keys.secret, keys.security_token):
        assert secret not in redactor.scrub('leaked: %s' % secret)


@pytest.mark.parametrize('base,route', [(PASSWORD, TOKENS_ROUTE), (KEYS, KEYS_ROUTE)], ids=['password', 'aksk'])
def test_a_short_lived_agency_credential_is_obtained_anew_before_it_expires(emulator, base, route):
    configure(emulator, assume_role_ttl_seconds=2)
    connection = connect(emulator, token_cache=False, **dict(base, **BY_NAME))
    assert dataset_names(connection) == ['partner-dataset']
    before = routes(emulator)[route]
    time.sleep(2.2)  # past its expiry: the emulator would refuse it (401)
    assert dataset_names(connection) == ['partner-dataset']
    assert routes(emulator)[route] == before + 1
    assert [entry['status'] for entry in requests.get(emulator + '/_emulator/stats').json()['requests']
            if entry['path'].startswith('/v2/')] == [200, 200]


def test_an_agency_token_refused_with_401_is_obtained_anew_once_with_a_renewed_user_token(emulator):
    connection = connect(emulator, token_cache=False, **dict(PASSWORD, **BY_NAME))
    dataset_names(connection)
    assert routes(emulator)[TOKENS_ROUTE] == 2
    # Every token issued so far expires: the agency token (ModelArts answers 401) and the user's token
    # it would be assumed with (IAM answers 401): both are obtained anew, once.
    requests.post(emulator + '/_emulator/faults', json={'expire_tokens_after': 0})
    assert dataset_names(connection) == ['partner-dataset']
    assert routes(emulator)[TOKENS_ROUTE] == 5  # the refused assume_role, a user token, the assume_role again
    statuses = [(entry['path'], entry['status']) for entry in requests.get(emulator + '/_emulator/stats').json()['requests']]
    assert [status for path, status in statuses if path.startswith('/v2/')] == [200, 401, 200]


def test_concurrent_rejections_of_the_same_temporary_keys_obtain_new_ones_once():
    issued = []

    def obtain():
        issued.append(TemporaryKeys('AK%d' % len(issued), 'SK', 'sts-%d' % len(issued), time.time() + 900))
        return issued[-1]

    auth = RenewedKeysAuth(obtain, 'hint')
    rejected = auth.authorize('GET', 'https://modelarts.example/v2/p/datasets', {}, b'')
    assert rejected['X-Security-Token'] == 'sts-0'
    assert auth.reauthenticate(rejected) and auth.reauthenticate(rejected)
    assert len(issued) == 2 and auth.keys().security_token == 'sts-1'


@pytest.mark.parametrize('obtained_at,expires_at,now,due', [
    (0, 900, 719, False), (0, 900, 721, True),  # a fifth of 900 s
    (0, 86400, 86099, False), (0, 86400, 86101, True),  # at most 5 minutes
    (0, 2, 1.5, False), (0, 2, 1.7, True), (0, 0, 0, True),
    (100, 100.5, 100.35, False),  # under a second of life: still only its last fifth
])
def test_a_credential_is_renewed_when_a_fifth_of_its_lifetime_and_at_most_five_minutes_are_left(
        obtained_at, expires_at, now, due):
    assert renewal_due(obtained_at, expires_at, now) is due


def test_the_agency_goes_in_agency_name_as_the_api_tables_say_and_the_duration_only_when_set():
    assert Agency('audit-agency', domain_name='partner-domain').assume_role_block() == {
        'agency_name': 'audit-agency', 'domain_name': 'partner-domain'}
    assert Agency('audit-agency', domain_id='d1', duration=3600).assume_role_block() == {
        'agency_name': 'audit-agency', 'domain_id': 'd1', 'duration_seconds': 3600}


def test_the_cached_agency_token_serves_only_the_base_password_it_was_obtained_with(emulator, tmp_path):
    options = dict(PASSWORD, **BY_NAME)
    first = connect(emulator, **options)
    assert dataset_names(first) == ['partner-dataset']
    assert routes(emulator)[TOKENS_ROUTE] == 2
    cache_dir = tmp_path / 'cache' / 'mlops.cloud' / 'tokens'
    files = sorted(cache_dir.iterdir())
    assert len(files) == 2  # the user's token and the agency token
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files)
    token = first.auth.token().value
    assert any(token in path.read_text() for path in files)
    assert not any('emulator-password' in path.read_text() for path in files)

    again = connect(emulator, **options)
    assert dataset_names(again) == ['partner-dataset'] and again.auth.token().value == token
    assert routes(emulator)[TOKENS_ROUTE] == 2  # nothing asked of IAM

    rotated = dict(options)
    rotated['password'] = 'another-password'
    wrong = connect(emulator, **rotated)
    with pytest.raises(ApiError, match='HTTP 401, error code IAM.0006'):
        dataset_names(wrong)
    assert routes(emulator)[TOKENS_ROUTE] == 3 and modelarts_requests(emulator) == 2


def test_another_agency_or_project_does_not_reuse_a_cached_agency_token(emulator):
    dataset_names(connect(emulator, **dict(PASSWORD, **BY_NAME)))
    dataset_names(connect(emulator, **dict(PASSWORD, **BY_ID)))  # the same agency named another way: another entry
    assert routes(emulator)[TOKENS_ROUTE] == 3  # the user's token is cached, the agency token is not shared


@pytest.mark.parametrize('second,refusal', [
    (dict(domain_name='other-domain'), 'IAM token request for user emulator-user failed: HTTP 401'),
    (dict(username='other-user'), 'IAM token request for user other-user failed: HTTP 401'),
    (dict(project_name='eu-nl'), "Project 'eu-nl' does not exist in domain partner-domain"),
], ids=['another-domain', 'another-user', 'another-project'])
def test_a_cached_agency_token_serves_only_the_user_and_the_project_it_was_obtained_for(emulator, second, refusal):
    # One token cache, one password: a user of the same name in another domain, another user of the domain, or
    # another project of the agency's account is not handed the first run's agency token; IAM is asked and refuses.
    assert dataset_names(connect(emulator, **dict(PASSWORD, **BY_NAME))) == ['partner-dataset']
    with pytest.raises(ApiError, match=refusal):
        dataset_names(connect(emulator, **dict(PASSWORD, **dict(BY_NAME, **second))))
    assert routes(emulator)[TOKENS_ROUTE] == 3  # the first run's user and agency tokens, then the refused one


def test_hw_assume_role_variables_go_with_hw_credentials(emulator, monkeypatch):
    for name, value in (('HW_USER_NAME', 'emulator-user'), ('HW_USER_PASSWORD', 'emulator-password'),
                        ('HW_DOMAIN_NAME', 'emulator-domain'), ('HW_ASSUME_ROLE_AGENCY_NAME', 'audit-agency'),
                        ('HW_ASSUME_ROLE_DOMAIN_ID', PARTNER_DOMAIN_ID)):
        monkeypatch.setenv(name, value)
    warnings = []
    connection = connect(emulator, warnings=warnings)
    assert dataset_names(connection) == ['partner-dataset'] and warnings == []


def test_hw_assume_role_variables_are_not_used_with_os_credentials_and_a_warning_names_them(emulator, monkeypatch):
    for name, value in (('OS_ACCESS_KEY', KEYS['access_key']), ('OS_SECRET_KEY', KEYS['secret_key']),
                        ('HW_ASSUME_ROLE_AGENCY_NAME', 'audit-agency'), ('HW_ASSUME_ROLE_DOMAIN_NAME', 'partner-domain')):
        monkeypatch.setenv(name, value)
    warnings = []
    connection = connect(emulator, warnings=warnings)
    assert connection.settings.agency is None
    assert 'partner-dataset' not in dataset_names(connection) and connection.project_id == OWN_PROJECT
    assert [warning.split(' ')[0] for warning in warnings] == ['HW_ASSUME_ROLE_DOMAIN_NAME', 'HW_ASSUME_ROLE_AGENCY_NAME']
    assert warnings[1] == ('HW_ASSUME_ROLE_AGENCY_NAME is set but not used: the credentials come from the OS_* '
                           'environment variables, and a family is never completed from another; set agency_name '
                           'as an option if you mean it')
    assert routes(emulator).get(KEYS_ROUTE) is None


def test_an_agency_in_a_clouds_yaml_profile_at_either_level(tmp_path):
    config = tmp_path / 'clouds.yaml'
    config.write_text(
        'clouds:\n'
        '  inside:\n'
        '    auth: {ak: AK, sk: SK, agency_name: audit-agency, agency_domain_name: partner-domain, agency_duration: 3600}\n'
        '    region_name: eu-de\n'
        '  outside:\n'
        '    auth: {ak: AK, sk: SK}\n'
        '    agency_name: audit-agency\n'
        '    agency_domain_id: %s\n'
        '    region_name: eu-de\n' % PARTNER_DOMAIN_ID)
    environ = {'OS_CLIENT_CONFIG_FILE': str(config)}
    inside = ConnectionSettings(params('https://modelarts.example', cloud='inside'), environ=environ).agency
    assert (inside.name, inside.domain_name, inside.domain_id, inside.duration) == (
        'audit-agency', 'partner-domain', None, 3600)
    outside = ConnectionSettings(params('https://modelarts.example', cloud='outside'), environ=environ).agency
    assert (outside.name, outside.domain_name, outside.domain_id) == ('audit-agency', None, PARTNER_DOMAIN_ID)


def test_agencies_that_differ_in_name_domain_or_project_never_share_a_cached_token():
    scopes = [
        Agency('audit-agency', domain_name='partner-domain').cache_scope(None),
        Agency('audit-agency', domain_name='partner-domain').cache_scope(PARTNER_PROJECT),
        Agency('audit-agency', domain_name='partner-domain').cache_scope(OWN_PROJECT),
        Agency('audit-agency', domain_name='other-domain').cache_scope(None),
        Agency('other-agency', domain_name='partner-domain').cache_scope(None),
        Agency('audit-agency', domain_id=PARTNER_DOMAIN_ID).cache_scope(None),
        Agency('audit-agency', domain_id=OWN_PROJECT).cache_scope(None),
        # The same text as a domain name and as a domain id: two different accounts.
        Agency('audit-agency', domain_name=PARTNER_DOMAIN_ID).cache_scope(None),
    ]
    assert len(set(scopes)) == len(scopes)
    assert Agency('audit-agency', domain_name='partner-domain', duration=900).cache_scope(PARTNER_PROJECT) == scopes[1]


def test_a_refused_fresh_agency_credential_says_to_check_what_the_agency_grants():
    agency = Agency('audit-agency', domain_name='partner-domain')
    assert AgencyTokenAuth(None, 'https://iam.example/v3', None, agency).rejection_hint == (
        'the token of agency audit-agency of domain partner-domain was rejected even freshly obtained: check the '
        'permissions the agency grants in the project')
    assert agency_keys_auth(None, 'https://iam.example/v3', None, agency).rejection_hint == (
        'the temporary keys of agency audit-agency of domain partner-domain were rejected even freshly obtained: '
        'check the permissions the agency grants in the project')


class CredentialIssuer:
    """Answers every request with new temporary keys expiring at ``expires_at``; counts them."""

    def __init__(self, expires_at):
        self.expires_at = expires_at
        self.issued = 0

    def request(self, method, base, path, **kwargs):
        self.issued += 1
        return ApiResponse(201, {'credential': {'access': 'TEMPAK%014d' % self.issued, 'secret': 'temp-secret',
                                                'securitytoken': 'temp-token-%d' % self.issued,
                                                'expires_at': self.expires_at}}, {})


def test_agency_keys_are_renewed_by_the_clock_they_are_given():
    issuer = CredentialIssuer('2099-01-01T00:00:00Z')
    expiry = calendar.timegm((2099, 1, 1, 0, 0, 0, 0, 0, 0))
    now = [expiry - 1000]
    auth = agency_keys_auth(issuer, 'https://iam.example/v3', None, Agency('audit-agency', domain_name='partner-domain'),
                            clock=lambda: now[0])
    auth.keys()
    now[0] = expiry - 210  # a fifth of the 1000 s left is 200 s: not yet
    auth.keys()
    assert issuer.issued == 1
    now[0] = expiry - 190
    assert auth.keys().access == 'TEMPAK00000000000002' and issuer.issued == 2


def test_a_cached_agency_token_with_minutes_left_is_reused_and_is_a_secret_at_once(emulator):
    configure(emulator, assume_role_ttl_seconds=1800)  # less than the hour a user's token is kept for
    options = dict(PASSWORD, **BY_NAME)
    token = connect(emulator, **options).auth.token().value
    assert routes(emulator)[TOKENS_ROUTE] == 2
    redactor = Redactor()
    again = connect(emulator, redactor=redactor, **options)
    assert again.auth.token().value == token and routes(emulator)[TOKENS_ROUTE] == 2
    assert token in redactor.forms() and token not in redactor.scrub('the token is %s' % token)


def test_an_agency_assumed_with_a_given_token_is_not_cached(emulator, tmp_path):
    issued = requests.post(emulator + '/v3/auth/tokens', json={'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': 'emulator-user', 'password': 'emulator-password', 'domain': {'name': 'emulator-domain'}}}},
        'scope': {'project': {'name': 'eu-de'}}}})
    connection = connect(emulator, auth_token=issued.headers['X-Subject-Token'], project_id=PARTNER_PROJECT, **BY_NAME)
    assert dataset_names(connection) == ['partner-dataset']
    cache_dir = tmp_path / 'cache' / 'mlops.cloud' / 'tokens'
    assert not cache_dir.exists() or not list(cache_dir.iterdir())


def test_a_refused_cached_agency_token_is_replaced_in_the_cache_and_a_stale_refusal_asks_nothing(emulator, tmp_path):
    connection = connect(emulator, **dict(PASSWORD, **BY_NAME))
    dataset_names(connection)
    refused = connection.auth.token().value
    requests.post(emulator + '/_emulator/faults', json={'expire_tokens_after': 0})
    assert dataset_names(connection) == ['partner-dataset']
    renewed = connection.auth.token().value
    assert renewed != refused
    files = list((tmp_path / 'cache' / 'mlops.cloud' / 'tokens').iterdir())
    assert any(renewed in path.read_text() for path in files) and not any(refused in path.read_text() for path in files)
    before = routes(emulator)[TOKENS_ROUTE]
    assert connection.auth.reauthenticate({'X-Auth-Token': refused}) is True  # another request met the old token
    assert connection.auth.token().value == renewed and routes(emulator)[TOKENS_ROUTE] == before


class TokenIssuer:
    """Answers every request with a new agency token; counts them."""

    def __init__(self):
        self.issued = 0

    def request(self, method, base, path, **kwargs):
        self.issued += 1
        return ApiResponse(201, {'token': {'expires_at': '2099-01-01T00:00:00Z', 'project': {'id': PARTNER_PROJECT}}},
                           {'X-Subject-Token': 'agency-token-%d' % self.issued})


@pytest.mark.parametrize('cache_key,cache_secret', [(None, None), ('agency-entry', None), (None, 'emulator-password')])
def test_an_agency_token_is_cached_only_with_both_a_key_and_the_password_it_serves(tmp_path, cache_key, cache_secret):
    directory = tmp_path / 'tokens'
    auth = AgencyTokenAuth(TokenIssuer(), 'https://iam.example/v3', None, Agency('audit-agency', domain_name='partner-domain'),
                           project_id=PARTNER_PROJECT, cache=TokenCache(str(directory)), cache_key=cache_key,
                           cache_secret=cache_secret)
    assert auth.token().value == 'agency-token-1'
    assert not directory.exists() or not list(directory.iterdir())


def test_an_agency_token_is_renewed_by_the_clock_it_is_given():
    issuer = TokenIssuer()
    expiry = calendar.timegm((2099, 1, 1, 0, 0, 0, 0, 0, 0))
    now = [expiry - 1000]
    auth = AgencyTokenAuth(issuer, 'https://iam.example/v3', None, Agency('audit-agency', domain_name='partner-domain'),
                           project_id=PARTNER_PROJECT, clock=lambda: now[0])
    assert auth.token().value == 'agency-token-1'
    now[0] = expiry - 210  # a fifth of the 1000 s left is 200 s: not yet
    assert auth.token().value == 'agency-token-1'
    now[0] = expiry - 190
    assert auth.token().value == 'agency-token-2' and issuer.issued == 2


class ScriptedIam(QuietHandler):
    """IAM's two assume_role routes: the statuses of ``script`` first, then an agency token or temporary keys."""

    protocol_version = 'HTTP/1.0'  # as BaseHTTPRequestHandler has it: one request a connection

    script = []
    seen = []

    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        ScriptedIam.seen.append(self.path)
        status = ScriptedIam.script.pop(0) if ScriptedIam.script else 201
        headers = {}
        if status != 201:
            body = {'error_code': 'IAM.0001', 'error_msg': 'scripted failure'}
        elif self.path.endswith('/securitytokens'):
            body = {'credential': {'access': 'TEMPAK00000000000001', 'secret': 'temporary-secret',
                                   'securitytoken': 'sts-token-1', 'expires_at': '2099-01-01T00:00:00.000000Z'}}
        else:
            body = {'token': {'expires_at': '2099-01-01T00:00:00Z', 'project': {'id': PARTNER_PROJECT}}}
            headers['X-Subject-Token'] = 'agency-token-1'
        headers['Content-Type'] = 'application/json'
        self.send_answer(status, json.dumps(body).encode('utf-8'), headers)


@pytest.fixture
def scripted_iam():
    ScriptedIam.script, ScriptedIam.seen = [], []
    with serving(ScriptedIam) as url:
        yield url + '/v3'


ASSUMING = [
    ('token', lambda client, url, agency: request_agency_token(client, url, StaticTokenAuth('user-token'), agency,
                                                               project_id=PARTNER_PROJECT)),
    ('keys', lambda client, url, agency: request_temporary_keys(client, url, AkSkAuth(KEYS['access_key'], KEYS['secret_key']),
                                                                agency)),
]


@pytest.mark.parametrize('assume', [request for name, request in ASSUMING], ids=[name for name, request in ASSUMING])
def test_an_assume_role_request_that_met_a_server_error_is_sent_again(scripted_iam, assume):
    # A POST is retried after a 5xx only when repeating it is harmless: assuming a role again only hands out another credential.
    ScriptedIam.script = [503]
    client = ApiClient(timeout=10, retry_policy=RetryPolicy(max_retries=2, base_delay=0.01))
    assume(client, scripted_iam, Agency('audit-agency', domain_name='partner-domain'))
    assert len(ScriptedIam.seen) == 2


@pytest.mark.parametrize('assume', [request for name, request in ASSUMING], ids=[name for name, request in ASSUMING])
def test_an_assume_role_refusal_without_a_hint_of_its_own_is_reported_as_it_came(scripted_iam, assume):
    ScriptedIam.script = [409]  # no hint for 409: the API's own words, not a guess
    with pytest.raises(ApiError) as raised:
        assume(ApiClient(timeout=10), scripted_iam, Agency('audit-agency', domain_name='partner-domain'))
    assert raised.value.status == 409 and raised.value.hint is None
    assert str(raised.value).endswith(' failed: HTTP 409, error code IAM.0001, message: scripted failure, request id none')
