# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based: random answers and options never escape as anything but a one-line ModelArtsError."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from urllib.parse import urlsplit

from hypothesis import event, given, settings, strategies as st

from ansible_collections.mlops.cloud.plugins.module_utils.client import _error_fields
from ansible_collections.mlops.cloud.plugins.module_utils.connection import (
    SECRET_OPTIONS,
    ConnectionSettings,
    connection_argument_spec,
)
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ApiError, ModelArtsError
from ansible_collections.mlops.cloud.plugins.module_utils.catalog import EXPORT_TASK_STATES, EXPORT_TASKS
from ansible_collections.mlops.cloud.plugins.module_utils.paging import fetch_all_pages, id_problem

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)

TASK = st.fixed_dictionaries(
    # An id the client can use in a URL path: not blank, '.' or '..' (those are the server's error).
    {'task_id': st.text(min_size=1, max_size=8).filter(lambda text: id_problem(text) is None)},
    optional={'status': st.sampled_from(['INIT', 'RUNNING', 'SUCCESSED', 'FAILED']) | st.text(max_size=5),
              'progress': st.floats(0, 100), 'path': st.text(max_size=10), 'new_field': JSON})


@settings(max_examples=300)
@given(body=JSON | st.fixed_dictionaries({'total_count': JSON, 'export_tasks': JSON}))
def test_any_answer_is_a_list_or_a_format_error(body):
    try:
        items, total = fetch_all_pages(lambda offset, limit: body, EXPORT_TASKS.shape, 100, workers=1)
    except ModelArtsError as error:
        assert '\n' not in str(error)
    else:
        assert isinstance(total, int) and all(isinstance(item, dict) for item in items)


@settings(max_examples=200)
@given(tasks=st.lists(TASK, max_size=120, unique_by=lambda task: task['task_id']))
def test_valid_pages_round_trip_unchanged(tasks):
    def serve(offset, limit):
        return json.loads(json.dumps({'total_count': len(tasks), 'export_tasks': tasks[offset * limit:(offset + 1) * limit]}))
    items, total = fetch_all_pages(serve, EXPORT_TASKS.shape, 50, workers=1)
    assert items == tasks
    assert total == len(tasks)
    known = [task for task in tasks if task.get('status') in ('INIT', 'RUNNING', 'SUCCESSED', 'FAILED')]
    assert sum(EXPORT_TASK_STATES.count(items).values()) == len(known)


@settings(max_examples=300)
@given(body=JSON, status=st.integers(400, 599), request_id=st.none() | st.text(max_size=40))
def test_any_error_body_gives_a_one_line_message(body, status, request_id):
    code, message = _error_fields(body)
    error = ApiError('List export tasks', status, code, message, request_id)
    assert str(error).startswith('List export tasks failed: HTTP %d, error code ' % status)
    assert '\n' not in str(error)


# Generated secrets start with a marker that no other generated text and no message word contains,
# so "the secret is not in the message" cannot fail by coincidence (a secret such as "user" or "tion").
SECRET_MARK = 'Qz'
PLAIN_TEXT = st.text(st.characters(exclude_characters='Qz'), max_size=12)
SECRET = st.text(max_size=8).map(lambda tail: SECRET_MARK + tail)
SECRET_ENV = ('OS_SECRET_KEY', 'OS_PASSWORD', 'HW_AUTH_TOKEN')

# AnsibleModule has already converted each option to its declared type.
BY_TYPE = {'str': st.none() | PLAIN_TEXT, 'path': st.none() | PLAIN_TEXT,
           'int': st.none() | st.integers(-5, 100), 'bool': st.booleans()}
OPTIONS = st.fixed_dictionaries({}, optional=dict(
    (name, st.none() | SECRET if name in SECRET_OPTIONS else BY_TYPE[spec['type']])
    for name, spec in connection_argument_spec().items()))
ENVIRON = st.dictionaries(
    # Secret variables come only from env_secrets, marked like every generated secret.
    st.sampled_from(('OS_ACCESS_KEY', 'OS_USERNAME', 'OS_REGION_NAME', 'HW_CLOUD')),
    st.text(st.characters(exclude_characters='Qz'), min_size=1, max_size=6), max_size=4)
# The secret a resolved method authenticates with.
METHOD_SECRET = {'AK/SK': 'secret_key', 'password': 'password', 'token': 'auth_token'}


@settings(max_examples=300)
@given(overrides=OPTIONS, environ=ENVIRON, env_secrets=st.dictionaries(st.sampled_from(SECRET_ENV), SECRET))
def test_any_connection_options_resolve_or_fail_cleanly(overrides, environ, env_secrets):
    params = dict((name, spec.get('default')) for name, spec in connection_argument_spec().items())
    params.update(overrides)
    environ = dict(environ, **env_secrets)
    secrets = [value for value in list(overrides.values()) + list(env_secrets.values())
               if isinstance(value, str) and value.startswith(SECRET_MARK)]
    try:
        settings_ = ConnectionSettings(params, environ=environ)
        endpoint = settings_.modelarts_endpoint
    except ModelArtsError as error:
        event('refused')
        message = str(error)
        assert message and '\n' not in message
        for secret in secrets:
            assert secret not in message and secret.strip() not in message
    else:
        event('resolved with %s' % settings_.method)
        parts = urlsplit(endpoint)
        assert parts.scheme in ('https', 'http') and parts.hostname
        # The method authenticates with a secret the user gave (options or environment), kept out of logs;
        # the ECS metadata keys are read during the run, so that method is given none.
        if settings_.method != 'metadata':
            secret = settings_.values[METHOD_SECRET[settings_.method]]
            assert secret.startswith(SECRET_MARK) and secret in settings_.secrets()
