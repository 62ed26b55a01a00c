# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Event-Driven Ansible sources (extensions/eda/plugins/event_source/) and their one loop
(plugins/plugin_utils/event_source.py), against the emulator run as a real process.

``ProjectWatcher.poll()`` is driven directly where the test is about what a poll sees and costs (with a clock
the test moves, for the full scans); ``main(queue, args)`` of the source files where it is about the life of a
source: events on the queue, errors that stop it, outages, cancellation.

Kept out of tests/unit/plugins, which the mutation stage offers every mutant of the shared module_utils: these
tests wait for the emulator's exports to finish, seconds that every such mutant would spend again."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import logging
import time

import pytest
import requests
import yaml

from ansible_collections.mlops.cloud.extensions.eda.plugins.event_source import (
    modelarts_dataset_export_tasks,
    modelarts_dataset_import_tasks,
    modelarts_dataset_versions,
)
from ansible_collections.mlops.cloud.plugins.doc_fragments.event_source import ModuleDocFragment as EventSourceFragment
from ansible_collections.mlops.cloud.plugins.module_utils.connection import connection_argument_spec, open_connection
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import Redactor
from ansible_collections.mlops.cloud.plugins.plugin_utils.event_source import (
    ProjectWatcher,
    SourceArgumentError,
    SourceStopped,
    source_argument_spec,
    validate_source_args,
)
from ansible_collections.mlops.cloud.tests.unit.extensions.eda.eda_emulator import (
    PASSWORD,
    Clock,
    PROJECT_ID,
    add_dataset,
    admin,
    requests_served,
    source_args,
)

LOG = logging.getLogger('test_event_source')


def watcher_for(source, url, clock=None, **extra):
    redactor = Redactor()
    params = validate_source_args(source.WATCHED, source_args(url, **extra), redactor)
    connection = open_connection(params, redactor, LOG.warning, time.monotonic())
    return ProjectWatcher(source.WATCHED, params, connection, LOG, clock=clock or Clock())


def summary(events):
    return [(event['modelarts']['dataset_name'], event['modelarts']['status'], event['modelarts']['previous_status'])
            for event in events]


def wait_until_finished(seconds):
    time.sleep(seconds + 0.3)


@pytest.mark.parametrize('extra, named', [
    (dict(interval=0), 'interval must be between 1 and 3600 seconds, got 0'),
    (dict(interval=3601), 'interval must be between 1 and 3600 seconds, got 3601'),
    (dict(interval=60, full_scan_interval=30), 'full_scan_interval must be between interval (60) and 86400 seconds'),
    (dict(status=['DONE']), 'status'),
    (dict(status=[]), 'status must name at least one of INIT, RUNNING, SUCCESSED, FAILED'),
    (dict(dataset_id='d1', dataset_name='flowers'), 'dataset_id|dataset_name'),
    (dict(dataset_name=' '), 'dataset_name must not be empty'),
    (dict(intervall=5), 'intervall'),
    (dict(timeout=0), 'timeout must be between 1 and 3600 seconds, got 0'),
])
def test_bad_arguments_stop_the_source_at_start_naming_the_argument(emulator, extra, named):
    before = requests_served(emulator)
    with pytest.raises((SourceArgumentError, SourceStopped)) as raised:
        asyncio.run(modelarts_dataset_export_tasks.main(asyncio.Queue(), source_args(emulator, **extra)))
    message = str(raised.value)
    assert message.startswith('mlops.cloud.modelarts_dataset_export_tasks: ')
    assert named in message
    assert PASSWORD not in message
    assert requests_served(emulator) == before


@pytest.mark.parametrize('source', [modelarts_dataset_export_tasks, modelarts_dataset_import_tasks,
                                    modelarts_dataset_versions])
def test_each_option_a_source_takes_besides_the_connection_is_documented_with_its_default(source):
    fragment = yaml.safe_load(EventSourceFragment.DOCUMENTATION)['options']
    documentation = yaml.safe_load(source.DOCUMENTATION)
    assert documentation['extends_documentation_fragment'] == ['mlops.cloud.event_source']
    documented = dict(fragment, **documentation['options'])
    spec = source_argument_spec(source.WATCHED)
    own = dict((name, spec[name]) for name in spec if name not in connection_argument_spec())
    assert sorted(documented) == sorted(own)
    applied = validate_source_args(source.WATCHED, {'region': 'eu-de'}, Redactor())  # the defaults a source uses
    for name, option in own.items():
        assert (documented[name]['type'], documented[name].get('default')) == (option['type'], applied[name]), name


def test_the_defaults_are_the_terminal_states_every_30_s_a_full_scan_every_300_s():
    params = validate_source_args(modelarts_dataset_versions.WATCHED, {'region': 'eu-de'}, Redactor())
    assert params['status'] == ['RUNNING', 'DELETED', 'ERROR']
    assert (params['interval'], params['full_scan_interval'], params['emit_existing']) == (30, 300, False)
    assert validate_source_args(modelarts_dataset_versions.WATCHED, {'status': ['4', 'ERROR', '1']},
                                Redactor())['status'] == ['ERROR', 'RUNNING']


def test_what_finished_before_the_start_is_the_baseline_and_each_entry_is_one_event(emulator):
    add_dataset(emulator, 'finished-early', running=[dict(seconds=0.1, outcome='SUCCESSED'),
                                                     dict(seconds=0.1, outcome='FAILED')])
    wait_until_finished(0.1)
    watcher = watcher_for(modelarts_dataset_export_tasks, emulator)
    assert watcher.poll() == []
    add_dataset(emulator, 'model-inputs', running=[dict(seconds=1.5, outcome='SUCCESSED')])
    add_dataset(emulator, 'model-broken', running=[dict(seconds=1.5, outcome='FAILED')])
    assert watcher.poll() == []  # seen RUNNING: flagged by the dataset list
    wait_until_finished(1.5)
    events = watcher.poll()
    assert sorted(summary(events)) == [('model-broken', 'FAILED', 'RUNNING'), ('model-inputs', 'SUCCESSED', 'RUNNING')]
    succeeded = [event['modelarts'] for event in events if event['modelarts']['status'] == 'SUCCESSED'][0]
    assert succeeded['resource'] == 'export_task'
    assert succeeded['item']['path'] == '/emulator-obs/model-inputs/'
    assert succeeded['item']['task_id'] == succeeded['id']
    assert set(succeeded) == {'resource', 'dataset_id', 'dataset_name', 'id', 'status', 'previous_status', 'item'}
    assert watcher.poll() == []


def test_emit_existing_reports_the_baseline_once_as_first_seen(emulator):
    add_dataset(emulator, 'finished-early', running=[dict(seconds=0.1, outcome='FAILED')])
    wait_until_finished(0.1)
    watcher = watcher_for(modelarts_dataset_export_tasks, emulator, emit_existing=True, status=['FAILED'])
    events = watcher.poll()
    assert summary(events) == [('finished-early', 'FAILED', None)]
    assert events[0]['modelarts']['item']['error_code'] == 'ModelArts.4358'
    assert watcher.poll() == []


def test_an_idle_project_costs_its_dataset_list_per_poll_until_the_full_scan(emulator):
    for number in range(3):
        add_dataset(emulator, 'idle-%d' % number, task_count=2)
    clock = Clock()
    watcher = watcher_for(modelarts_dataset_export_tasks, emulator, clock=clock, full_scan_interval=60)
    before = requests_served(emulator)
    watcher.poll()  # the first poll is a full scan: the list, then each dataset's exports
    assert requests_served(emulator) - before == 1 + 3 + 1  # and one IAM token
    for _poll in range(3):
        clock.now += 1
        before = requests_served(emulator)
        watcher.poll()
        assert requests_served(emulator) - before == 1
    clock.now += 60
    before = requests_served(emulator)
    watcher.poll()
    assert requests_served(emulator) - before == 1 + 3


def test_a_running_task_is_followed_every_poll_and_once_more_after_it_stops(emulator):
    add_dataset(emulator, 'idle', task_count=2)
    clock = Clock()
    watcher = watcher_for(modelarts_dataset_export_tasks, emulator, clock=clock)
    watcher.poll()
    add_dataset(emulator, 'busy', running=[dict(seconds=1.0, outcome='SUCCESSED')])
    clock.now += 1
    before = requests_served(emulator)
    assert watcher.poll() == []
    assert requests_served(emulator) - before == 2  # the list, and busy's exports
    wait_until_finished(1.0)
    clock.now += 1
    before = requests_served(emulator)
    assert summary(watcher.poll()) == [('busy', 'SUCCESSED', 'RUNNING')]
    assert requests_served(emulator) - before == 2  # busy just stopped running
    clock.now += 1
    before = requests_served(emulator)
    watcher.poll()
    assert requests_served(emulator) - before == 1


def test_a_task_that_ran_between_two_polls_is_reported_by_the_next_full_scan(emulator):
    clock = Clock()
    watcher = watcher_for(modelarts_dataset_export_tasks, emulator, clock=clock, full_scan_interval=30)
    watcher.poll()
    add_dataset(emulator, 'quick', running=[dict(seconds=0.1, outcome='SUCCESSED')])
    wait_until_finished(0.1)
    clock.now += 1
    assert watcher.poll() == []  # never seen running: not listed between full scans
    clock.now += 30
    assert summary(watcher.poll()) == [('quick', 'SUCCESSED', None)]


def test_items_two_full_scans_did_not_list_are_forgotten(emulator):
    add_dataset(emulator, 'short-lived', task_count=5)
    clock = Clock()
    watcher = watcher_for(modelarts_dataset_export_tasks, emulator, clock=clock, full_scan_interval=10)
    watcher.poll()
    assert watcher.remembered == 5
    requests.post(emulator + '/_emulator/reset', json={}, timeout=10).raise_for_status()  # the dataset is gone
    clock.now += 10
    watcher.poll()
    assert watcher.remembered == 5
    clock.now += 10
    watcher.poll()
    assert watcher.remembered == 0


def test_one_dataset_by_name_costs_one_request_per_poll(emulator):
    add_dataset(emulator, 'other', running=[dict(seconds=30, outcome='SUCCESSED')])
    add_dataset(emulator, 'watched', running=[dict(seconds=1.0, outcome='FAILED')])
    clock = Clock()
    watcher = watcher_for(modelarts_dataset_export_tasks, emulator, clock=clock, dataset_name='watched')
    watcher.poll()
    wait_until_finished(1.0)
    clock.now += 1
    assert summary(watcher.poll()) == [('watched', 'FAILED', 'RUNNING')]
    clock.now += 1
    before = requests_served(emulator)
    watcher.poll()
    assert requests_served(emulator) - before == 1  # the dataset's detail, with check_running_task


def test_versions_and_import_tasks_are_watched_from_their_declarations(emulator):
    dataset_id = add_dataset(emulator, 'releases')
    admin(emulator, 'datasets', dict(dataset_name='imports', project_id=PROJECT_ID, running_imports=[
        dict(seconds=1.0, outcome='COMPLETED')]))
    versions = watcher_for(modelarts_dataset_versions, emulator, status=['4'])
    imports = watcher_for(modelarts_dataset_import_tasks, emulator)
    versions.poll()
    imports.poll()
    admin(emulator, 'datasets', dict(dataset_name='releases-2', project_id=PROJECT_ID, running_versions=[
        dict(seconds=0.5, outcome=1), dict(seconds=0.5, outcome=4)]))
    wait_until_finished(1.0)
    # Neither is flagged by the dataset list in the emulator: the import was seen running, the versions on a full scan.
    assert summary(imports.poll()) == [('imports', 'COMPLETED', 'RUNNING')]
    versions._last_full_scan -= 300  # pylint: disable=protected-access
    events = versions.poll()
    assert summary(events) == [('releases-2', 'ERROR', None)]
    assert events[0]['modelarts']['resource'] == 'dataset_version'
    assert events[0]['modelarts']['item']['status'] == 4
    assert dataset_id not in [event['modelarts']['dataset_id'] for event in events]


def test_throttling_is_retried_and_said_without_secrets(emulator, caplog):
    add_dataset(emulator, 'throttled', task_count=1)
    watcher = watcher_for(modelarts_dataset_export_tasks, emulator)
    admin(emulator, 'faults', {'status_sequence': [429], 'retry_after': 0})
    with caplog.at_level(logging.INFO):
        watcher.poll()
    retries = [record.getMessage() for record in caplog.records if 'retry 1 of 4' in record.getMessage()]
    assert len(retries) == 1
    assert PASSWORD not in caplog.text


async def next_event(queue, task, seconds=15):
    getter = asyncio.ensure_future(queue.get())
    done, _pending = await asyncio.wait([getter, task], timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    if getter not in done:
        getter.cancel()
        if task in done:
            task.result()
        raise AssertionError('no event within %d s' % seconds)
    return getter.result()


def test_events_reach_the_queue_and_cancelling_ends_the_source_without_another_request(emulator):
    async def scenario():
        queue = asyncio.Queue()
        task = asyncio.ensure_future(modelarts_dataset_export_tasks.main(queue, source_args(emulator)))
        while requests_served(emulator) < 2:  # the token and the baseline's dataset list
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)
        add_dataset(emulator, 'deploy-me', running=[dict(seconds=1.0, outcome='SUCCESSED')])
        event = await next_event(queue, task)
        task.cancel()
        cancelled = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await task
        return event, time.monotonic() - cancelled

    event, stop_seconds = asyncio.run(scenario())
    assert event['modelarts']['dataset_name'] == 'deploy-me'
    assert event['modelarts']['status'] == 'SUCCESSED'
    assert stop_seconds < 2
    served = requests_served(emulator)
    time.sleep(2.5)
    assert requests_served(emulator) == served


def test_wrong_credentials_stop_the_source_with_one_message(emulator, caplog):
    with pytest.raises(SourceStopped) as raised:
        asyncio.run(modelarts_dataset_export_tasks.main(asyncio.Queue(), source_args(emulator, password='wrong-password')))
    message = str(raised.value)
    assert message.startswith('mlops.cloud.modelarts_dataset_export_tasks: ')
    assert 'HTTP 401' in message and 'IAM.0006' in message
    assert 'wrong-password' not in message + caplog.text


def test_an_unknown_dataset_stops_the_source(emulator):
    with pytest.raises(SourceStopped, match='No dataset named missing in project'):
        asyncio.run(modelarts_dataset_export_tasks.main(asyncio.Queue(), source_args(emulator, dataset_name='missing')))


def test_an_outage_is_said_once_and_polled_through(emulator, caplog):
    add_dataset(emulator, 'steady', task_count=1)

    async def scenario():
        queue = asyncio.Queue()
        task = asyncio.ensure_future(modelarts_dataset_export_tasks.main(queue, source_args(emulator, max_retries=0)))
        while requests_served(emulator) < 3:  # the token, the list, the dataset's exports: the baseline
            await asyncio.sleep(0.1)
        admin(emulator, 'faults', {'status_sequence': [503, 503, 503], 'only_paths_containing': '/datasets'})
        add_dataset(emulator, 'after-outage', running=[dict(seconds=0.5, outcome='FAILED')])
        event = await next_event(queue, task, seconds=30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return event

    with caplog.at_level(logging.DEBUG, logger='mlops.cloud.modelarts_dataset_export_tasks'):
        event = asyncio.run(scenario())
    assert event['modelarts']['dataset_name'] == 'after-outage'
    said = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.getMessage().split(': ', 2)[1] for record in said] == [
        'polling failed; polling on with backoff, saying no more until ModelArts answers',
        'ModelArts answers again after 3 failed poll(s)']
    assert 'HTTP 503' in said[0].getMessage()
    assert PASSWORD not in caplog.text
