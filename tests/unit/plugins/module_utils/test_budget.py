# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A run keeps at most max_result_mb of answers and max_items items, however the server pads
its pages: counted while answers are read, from a real emulator process."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import requests

from ansible_collections.mlops.cloud.plugins.module_utils.auth import AkSkAuth
from ansible_collections.mlops.cloud.plugins.module_utils.budget import MIB, ResultBudget
from ansible_collections.mlops.cloud.plugins.module_utils.client import ApiClient
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ResultTooLargeError
from ansible_collections.mlops.cloud.plugins.module_utils.retries import RetryPolicy

PATH = '/v2/0a1b2c3d4e5f40718293a4b5c6d7e8f9/datasets/dataset250xxxxxxxxxx/export-tasks'


def admin(url, name, body=None):
    answer = requests.request('POST' if body is not None else 'GET', url + '/_emulator/' + name, json=body, timeout=10)
    answer.raise_for_status()
    return answer.json()


def client(budget=None):
    api = ApiClient(timeout=10, retry_policy=RetryPolicy(max_retries=0), budget=budget)
    api.auth = AkSkAuth('EMULATORAK0000000001', 'emulator-sk-0000000000000000000000000001')
    api.auth.scope_to('0a1b2c3d4e5f40718293a4b5c6d7e8f9')
    return api


def padded(url, kb):
    admin(url, 'reset', {})
    admin(url, 'faults', {'fat_items': 1000, 'fat_item_kb': kb})


def page(api, url, number):
    return api.request('GET', url, PATH, query={'limit': 25, 'offset': number}, action='List page %d' % number)


def test_an_answer_larger_than_what_is_left_is_refused_while_it_is_read(emulator_url):
    padded(emulator_url, 100)  # 25 items of 100 KiB: a 2.5 MiB answer, under the 32 MiB bound of one answer
    api = client(ResultBudget(max_result_mb=1))
    with pytest.raises(ResultTooLargeError) as raised:
        page(api, emulator_url, 0)
    api.close()
    assert str(raised.value) == (
        'List page 0 stopped: the answers of this run would keep more than max_result_mb (1 MiB) in memory; '
        'raise max_result_mb (up to 4096), or narrow what is read (dataset_id or dataset_name, status, '
        'created_after, created_before)')
    assert admin(emulator_url, 'stats')['total'] == 1


def test_answers_add_up_and_a_new_gathering_starts_from_nothing(emulator_url):
    padded(emulator_url, 10)
    unbounded = client()
    # The emulator sends json.dumps of each page: the same bytes as dumping what was decoded.
    sizes = [len(json.dumps(page(unbounded, emulator_url, number).body).encode('utf-8')) for number in range(10)]
    unbounded.close()
    fitting = next(count for count in range(11) if sum(sizes[:count + 1]) > MIB)
    budget = ResultBudget(max_result_mb=1)
    api = client(budget)
    read = 0
    with pytest.raises(ResultTooLargeError):
        while True:
            page(api, emulator_url, read)
            read += 1
    assert read == fitting and 1 < fitting < 10
    assert budget.bytes_left() == MIB - sum(sizes[:fitting])
    budget.reset()
    assert budget.bytes_left() == MIB
    page(api, emulator_url, 0)
    api.close()


def test_items_add_up_over_pages():
    budget = ResultBudget(max_items=100)
    budget.charge_items(60, 'List page 0')
    budget.charge_items(40, 'List page 1')
    with pytest.raises(ResultTooLargeError, match=r'^List page 2 stopped: this run would keep more than '
                                                  r'max_items \(100\) items; raise max_items \(up to 10000000\)'):
        budget.charge_items(1, 'List page 2')
    budget.reset()
    budget.charge_items(100, 'List page 0')


def test_bytes_are_summed_up_to_the_bound_and_refused_past_it():
    budget = ResultBudget(max_result_mb=1)
    budget.charge_bytes(MIB - 10, 'List tasks')
    assert budget.bytes_left() == 10
    budget.charge_bytes(10, 'List tasks')  # exactly the bound: kept
    assert budget.bytes_left() == 0
    with pytest.raises(ResultTooLargeError, match=r'^List tasks \(page 2\) stopped: .*max_result_mb \(1 MiB\)'):
        budget.charge_bytes(1, 'List tasks (page 2)')
