# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based: random answers and options never escape as anything but a one-line ModelArtsError."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from hypothesis import given, settings, strategies as st

from ansible_collections.mlops.cloud.plugins.module_utils.client import _error_fields
from ansible_collections.mlops.cloud.plugins.module_utils.connection import (
    ConnectionSettings,
    connection_argument_spec,
)
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ApiError, ModelArtsError
from ansible_collections.mlops.cloud.plugins.module_utils.export_tasks import EXPORT_TASK_LIST, count_by_status
from ansible_collections.mlops.cloud.plugins.module_utils.paging import fetch_all_pages

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)

TASK = st.fixed_dictionaries(
    {'task_id': st.text(min_size=1, max_size=8)},
    optional={'status': st.sampled_from(['INIT', 'RUNNING', 'SUCCESSED', 'FAILED']) | st.text(max_size=5),
              'progress': st.floats(0, 100), 'path': st.text(max_size=10), 'new_field': JSON})


@settings(max_examples=300, deadline=None)
@given(body=JSON | st.fixed_dictionaries({'total_count': JSON, 'export_tasks': JSON}))
def test_any_answer_is_a_list_or_a_format_error(body):
    try:
        items, total = fetch_all_pages(lambda offset, limit: body, EXPORT_TASK_LIST, 100, workers=1)
    except ModelArtsError as error:
        assert '\n' not in str(error)
    else:
        assert isinstance(total, int) and all(isinstance(item, dict) for item in items)


@settings(max_examples=200, deadline=None)
@given(tasks=st.lists(TASK, max_size=120, unique_by=lambda task: task['task_id']))
def test_valid_pages_round_trip_unchanged(tasks):
    def serve(offset, limit):
        return json.loads(json.dumps({'total_count': len(tasks), 'export_tasks': tasks[offset * limit:(offset + 1) * limit]}))
    items, total = fetch_all_pages(serve, EXPORT_TASK_LIST, 50, workers=1)
    assert items == tasks
    assert total == len(tasks)
    assert sum(count_by_status(items).values()) == len([t for t in tasks if t.get('status') in
                                                       ('INIT', 'RUNNING', 'SUCCESSED', 'FAILED')])


@settings(max_examples=300, deadline=None)
@given(body=JSON, status=st.integers(400, 599), request_id=st.none() | st.text(max_size=40))
def test_any_error_body_gives_a_one_line_message(body, status, request_id):
    code, message = _error_fields(body)
    error = ApiError('List export tasks', status, code, message, request_id)
    assert str(error).startswith('List export tasks failed: HTTP %d, error code ' % status)
    assert '\n' not in str(error)


# AnsibleModule has already converted each option to its declared type.
BY_TYPE = {'str': st.none() | st.text(max_size=12), 'path': st.none() | st.text(max_size=12),
           'int': st.none() | st.integers(-5, 100), 'bool': st.booleans()}
OPTIONS = st.fixed_dictionaries({}, optional=dict(
    (name, BY_TYPE[spec['type']]) for name, spec in connection_argument_spec().items()))


@settings(max_examples=300, deadline=None)
@given(overrides=OPTIONS,
       environ=st.dictionaries(st.sampled_from(['OS_ACCESS_KEY', 'OS_SECRET_KEY', 'OS_USERNAME', 'OS_PASSWORD',
                                                'HW_AUTH_TOKEN', 'OS_REGION_NAME', 'HW_CLOUD']),
                               st.text(min_size=1, max_size=6), max_size=4))
def test_any_connection_options_resolve_or_fail_cleanly(overrides, environ):
    params = dict((name, spec.get('default')) for name, spec in connection_argument_spec().items())
    params.update(overrides)
    try:
        settings_ = ConnectionSettings(params, environ=environ)
        settings_.modelarts_endpoint
    except ModelArtsError as error:
        assert '\n' not in str(error)
        for secret in [params.get('secret_key'), params.get('password'), params.get('auth_token')]:
            if isinstance(secret, str) and len(secret) > 3:
                assert secret not in str(error)
