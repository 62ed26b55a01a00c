# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The loop of the Event-Driven Ansible sources (plugins/plugin_utils/event_source.py) on declarations the tests
build themselves, against the emulator run as a real process: which first-poll errors stop a source and which it
polls through, what it says at start and on each retry, and what a declaration's fields change in its events and
requests. The sources' declarations (their ``WATCHED``) are built at import, before a mutant is switched on, so
each test here builds its own ``WatchedResource``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import logging
import threading
import time

import pytest

from ansible_collections.mlops.cloud.plugins.module_utils.catalog import (
    DATASET_VERSIONS,
    DATASETS,
    EXPORT_TASK_STATES,
    EXPORT_TASKS,
    IMPORT_TASKS,
)
from ansible_collections.mlops.cloud.plugins.module_utils.connection import open_connection
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ApiError, TimeBoundError
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import Redactor
from ansible_collections.mlops.cloud.plugins.module_utils.resources import Resource
from ansible_collections.mlops.cloud.plugins.plugin_utils import event_source
from ansible_collections.mlops.cloud.plugins.plugin_utils.event_source import (
    ProjectWatcher,
    SourceArgumentError,
    SourceStopped,
    WatchedResource,
    run_source,
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

SOURCE = 'mlops.cloud.test_loop'
LOG = logging.getLogger(SOURCE)
RETRY_SAID = 'A ModelArts request failed transiently (throttled, 5xx, timeout or dropped); retry %d of %d in %s s'


def exports():
    return WatchedResource(EXPORT_TASKS, 'export_task', running_task_type=2)


def watcher_of(watched, url, **extra):
    redactor = Redactor()
    params = validate_source_args(watched, source_args(url, **extra), redactor)
    connection = open_connection(params, redactor, LOG.warning, time.monotonic())
    return ProjectWatcher(watched, params, connection, LOG, clock=Clock())


async def next_event(queue, task, seconds=15):
    getter = asyncio.ensure_future(queue.get())
    done, _pending = await asyncio.wait([getter, task], timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    if getter not in done:
        getter.cancel()
        if task in done:
            task.result()
        raise AssertionError('no event within %d s' % seconds)
    return getter.result()


async def cancelled(task):
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def watchdogs():
    """The client's watchdog threads alive now (each open connection has one once it sent a request)."""
    return set(thread for thread in threading.enumerate() if thread.name == 'mlops.cloud-watchdog')


def wait_for_no_watchdog_but(earlier, seconds=5):
    deadline = time.monotonic() + seconds
    while watchdogs() - earlier and time.monotonic() < deadline:
        time.sleep(0.05)
    return watchdogs() - earlier


def said(caplog, level):
    return [record.getMessage() for record in caplog.records if record.name == SOURCE and record.levelno == level]


def test_a_declaration_is_a_child_of_datasets_with_states():
    stateless = Resource('thing', 'things', '/v2/{project_id}/datasets/{parent_id}/things', 'things', 'total', 'id',
                         parent=DATASETS)
    orphan = Resource('task', 'tasks', '/v2/{project_id}/tasks', 'tasks', 'total', 'task_id', states=EXPORT_TASK_STATES)
    for resource in (DATASETS, stateless, orphan):
        with pytest.raises(ValueError) as raised:
            WatchedResource(resource, 'thing', running_task_type=None)
        assert str(raised.value) == 'a watched resource is a child of datasets with states'
    watched = WatchedResource(DATASET_VERSIONS, 'dataset_version', running_task_type=6)
    assert (watched.resource, watched.name, watched.running_task_type) == (DATASET_VERSIONS, 'dataset_version', 6)


@pytest.mark.parametrize('extra, expected', [
    (dict(interval=3600, full_scan_interval=3600), (3600, 3600)),
    (dict(interval=1, full_scan_interval=1), (1, 1)),
    (dict(interval=5, full_scan_interval=86400), (5, 86400)),
])
def test_the_interval_bounds_are_allowed(extra, expected):
    params = validate_source_args(exports(), dict(region='eu-de', **extra), Redactor())
    assert (params['interval'], params['full_scan_interval']) == expected


def test_arguments_are_converted_as_a_rulebook_may_give_them():
    # YAML gives numbers for numeric states; a templated value comes as a string.
    versions = WatchedResource(DATASET_VERSIONS, 'dataset_version', running_task_type=6)
    params = validate_source_args(versions, dict(region='eu-de', status=[4, 1], interval='5', full_scan_interval='60',
                                                 emit_existing='false', dataset_id=12345), Redactor())
    assert params['status'] == ['ERROR', 'RUNNING']
    assert (params['interval'], params['full_scan_interval'], params['emit_existing']) == (5, 60, False)
    assert params['dataset_id'] == '12345'


@pytest.mark.parametrize('extra, message', [
    (dict(interval=0), 'interval must be between 1 and 3600 seconds, got 0'),
    (dict(status=[]), 'status must name at least one of INIT, RUNNING, SUCCESSED, FAILED'),
    (dict(interval=60, full_scan_interval=30), 'full_scan_interval must be between interval (60) and 86400 seconds, got 30'),
    (dict(interval=5, full_scan_interval=86401), 'full_scan_interval must be between interval (5) and 86400 seconds, got 86401'),
    (dict(dataset_id=' '), 'dataset_id must not be empty'),
])
def test_arguments_out_of_bounds_are_named_with_the_value(extra, message):
    with pytest.raises(SourceArgumentError) as raised:
        validate_source_args(exports(), dict(region='eu-de', **extra), Redactor())
    assert str(raised.value) == message


def test_events_carry_the_declared_name_and_resource(emulator, caplog):
    add_dataset(emulator, 'finished-early', running=[dict(seconds=0.1, outcome='SUCCESSED')])
    time.sleep(0.4)

    async def scenario():
        queue = asyncio.Queue()
        args = source_args(emulator, emit_existing=True, validate_certs=False)
        task = asyncio.ensure_future(run_source(exports(), queue, args, SOURCE))
        event = await next_event(queue, task)
        await cancelled(task)
        return event['modelarts']

    earlier = watchdogs()
    with caplog.at_level(logging.INFO, logger=SOURCE):
        event = asyncio.run(scenario())
    assert wait_for_no_watchdog_but(earlier) == set()  # cancelled: the connection is closed
    # The connection's warnings are the source's.
    assert said(caplog, logging.WARNING) == ['validate_certs is false: the TLS certificate of the endpoints is not verified.']
    assert (event['resource'], event['dataset_name'], event['status']) == ('export_task', 'finished-early', 'SUCCESSED')
    assert event['item']['task_id'] == event['id']


def test_the_declared_running_task_type_chooses_which_datasets_are_listed_between_full_scans(emulator):
    # The dataset list flags a running export under type 2 or any type, never under 6 (version publishing).
    add_dataset(emulator, 'exporting', running=[dict(seconds=30, outcome='SUCCESSED')])
    versions = watcher_of(WatchedResource(DATASET_VERSIONS, 'dataset_version', running_task_type=6), emulator)
    versions.poll()
    versions._clock.now += 1  # pylint: disable=protected-access
    before = requests_served(emulator)
    versions.poll()
    assert requests_served(emulator) - before == 1  # the dataset list alone: no version is being published


def test_cancelling_during_a_retry_wait_ends_the_source_at_once_without_the_retry(emulator, caplog):
    admin(emulator, 'faults', {'status_sequence': [429], 'retry_after': 20, 'only_paths_containing': '/datasets'})
    served = []

    async def scenario():
        task = asyncio.ensure_future(run_source(exports(), asyncio.Queue(), source_args(emulator, max_retries=1), SOURCE))
        deadline = time.monotonic() + 15
        while not said(caplog, logging.INFO)[1:] and not task.done() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await cancelled(task)

    def run():
        asyncio.run(scenario())  # returns once the poll's worker thread has ended
        served.append(requests_served(emulator))

    with caplog.at_level(logging.INFO, logger=SOURCE):
        runner = threading.Thread(target=run, name='test-source', daemon=True)
        runner.start()
        runner.join(10)
        assert not runner.is_alive(), 'the source waits out the 20 s Retry-After'
    assert said(caplog, logging.INFO)[1:] == [RETRY_SAID % (1, 1, '20.0')]
    assert served == [2]  # the token and the throttled dataset list; not the retry
    time.sleep(0.3)
    assert requests_served(emulator) == 2


def test_a_secret_quoted_by_an_argument_error_is_masked(emulator):
    with pytest.raises(SourceArgumentError) as raised:
        asyncio.run(run_source(exports(), asyncio.Queue(), source_args(emulator, status=[PASSWORD]), SOURCE))
    message = str(raised.value)
    assert message.startswith(SOURCE + ': ') and 'status' in message
    assert PASSWORD not in message


@pytest.mark.parametrize('status', [429, 500, 503])
def test_a_transient_failure_of_the_first_poll_is_polled_through(emulator, caplog, status):
    add_dataset(emulator, 'finished-early', running=[dict(seconds=0.1, outcome='FAILED')])
    time.sleep(0.4)
    admin(emulator, 'faults', {'status_sequence': [status], 'only_paths_containing': '/datasets'})

    async def scenario():
        queue = asyncio.Queue()
        task = asyncio.ensure_future(run_source(exports(), queue, source_args(emulator, max_retries=0, emit_existing=True),
                                                SOURCE))
        event = await next_event(queue, task)
        await cancelled(task)
        return event['modelarts']

    with caplog.at_level(logging.INFO, logger=SOURCE):
        event = asyncio.run(scenario())
    assert (event['dataset_name'], event['status'], event['previous_status']) == ('finished-early', 'FAILED', None)
    warnings = said(caplog, logging.WARNING)
    assert len(warnings) == 2 and 'HTTP %d' % status in warnings[0]
    assert warnings[0].startswith(SOURCE + ': polling failed; polling on with backoff')
    assert warnings[1] == SOURCE + ': ModelArts answers again after 1 failed poll(s)'
    assert said(caplog, logging.ERROR) == []


async def run_until_stopped(args, caplog, seconds=15):
    """The source's outcome: stopped (its exception), or cancelled once it said a warning (polling on)."""
    task = asyncio.ensure_future(run_source(exports(), asyncio.Queue(), args, SOURCE))
    deadline = time.monotonic() + seconds
    while not task.done() and not said(caplog, logging.WARNING) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    if not task.done():
        await cancelled(task)
        raise AssertionError('the source polls on: %s' % said(caplog, logging.WARNING))
    return task.exception()


def test_an_unknown_dataset_id_stops_the_source_at_the_first_poll(emulator, caplog):
    earlier = watchdogs()
    with caplog.at_level(logging.INFO, logger=SOURCE):
        stopped = asyncio.run(run_until_stopped(source_args(emulator, dataset_id='d-gone'), caplog))
    assert wait_for_no_watchdog_but(earlier) == set()  # stopped: the connection is closed
    assert isinstance(stopped, SourceStopped)
    message = str(stopped)
    assert message.startswith(SOURCE + ': ') and 'HTTP 400' in message and 'ModelArts.4352' in message
    assert 'Dataset does not exist: d-gone' in message  # only secrets are masked, not what the user gave
    assert said(caplog, logging.ERROR) == [SOURCE + ': stopping: ' + message[len(SOURCE) + 2:]]
    assert said(caplog, logging.WARNING) == []


@pytest.mark.parametrize('extra, where', [
    (dict(dataset_id='d-gone'), 'dataset d-gone'),
    (dict(dataset_name='gone'), 'dataset gone'),
    (dict(), 'every dataset of the project'),
])
def test_the_start_says_what_is_watched(emulator, caplog, extra, where):
    async def scenario():
        args = source_args(emulator, full_scan_interval=60, **extra)
        task = asyncio.ensure_future(run_source(exports(), asyncio.Queue(), args, SOURCE))
        for _tick in range(100):
            if task.done() or any('baseline taken' in line for line in said(caplog, logging.INFO)):
                break
            await asyncio.sleep(0.1)
        if task.done():
            assert isinstance(task.exception(), SourceStopped)  # the dataset does not exist
        else:
            await cancelled(task)

    with caplog.at_level(logging.INFO, logger=SOURCE):
        asyncio.run(scenario())
    assert said(caplog, logging.INFO)[0] == (
        SOURCE + ': watching export tasks of %s every 1 s (full scan every 60 s), emitting on entry to SUCCESSED, FAILED'
        % where)


def test_each_retry_is_said_with_its_number_and_wait(emulator, caplog):
    add_dataset(emulator, 'throttled', task_count=1)
    watcher = watcher_of(exports(), emulator, max_retries=2)
    watcher.poll()
    watcher.poll()  # each poll renews the policy's bounds, and says a retry once
    admin(emulator, 'faults', {'status_sequence': [503], 'only_paths_containing': '/datasets'})
    admin(emulator, 'faults', {'status_sequence': [429], 'retry_after': 0, 'only_paths_containing': '/datasets'})
    with caplog.at_level(logging.INFO, logger=SOURCE):
        watcher.poll()
    retries = said(caplog, logging.INFO)
    # The first waits the policy's backoff: 0.5 s for a first retry, jittered down to half; the second as the server asked.
    assert retries[0] in [RETRY_SAID % (1, 2, seconds) for seconds in ('0.2', '0.3', '0.4', '0.5')]
    assert retries[1:] == [RETRY_SAID % (2, 2, '0.0')]


def test_a_dataset_id_watches_that_dataset_alone_at_one_request_per_poll(emulator):
    add_dataset(emulator, 'other', running=[dict(seconds=1.0, outcome='FAILED')])
    dataset_id = add_dataset(emulator, 'watched', running=[dict(seconds=1.0, outcome='SUCCESSED')])
    watcher = watcher_of(exports(), emulator, dataset_id=dataset_id)
    watcher.poll()
    time.sleep(1.3)
    watcher._clock.now += 1  # pylint: disable=protected-access
    events = [event['modelarts'] for event in watcher.poll()]
    assert [(event['dataset_id'], event['dataset_name'], event['status'], event['previous_status']) for event in events] == [
        (dataset_id, 'watched', 'SUCCESSED', 'RUNNING')]
    watcher._clock.now += 1  # pylint: disable=protected-access
    before = requests_served(emulator)
    assert watcher.poll() == []
    assert requests_served(emulator) - before == 1  # the dataset's detail


def test_an_export_started_later_in_a_watched_dataset_id_is_followed_while_it_runs(emulator):
    dataset_id = add_dataset(emulator, 'watched', task_count=1)
    admin(emulator, 'config', {'task_init_seconds': 0, 'task_run_seconds': 1.0})
    watcher = watcher_of(exports(), emulator, dataset_id=dataset_id)
    watcher.poll()
    connection = watcher.connection
    connection.client.request('POST', connection.modelarts_endpoint, EXPORT_TASKS.list_path(PROJECT_ID, dataset_id),
                              json_body={'path': '/emulator-obs/later/'}, action='Create an export')
    watcher._clock.now += 1  # pylint: disable=protected-access
    before = requests_served(emulator)
    assert watcher.poll() == []
    assert requests_served(emulator) - before == 2  # the detail says it runs: its exports are listed
    time.sleep(1.3)
    watcher._clock.now += 1  # pylint: disable=protected-access
    events = [event['modelarts'] for event in watcher.poll()]
    assert [(event['status'], event['previous_status'], event['item']['path']) for event in events] == [
        ('SUCCESSED', 'RUNNING', '/emulator-obs/later/')]
    watcher._clock.now += 1  # pylint: disable=protected-access
    before = requests_served(emulator)
    assert watcher.poll() == []
    assert requests_served(emulator) - before == 1  # idle again: the detail alone


def test_what_every_full_scan_lists_is_remembered_and_never_emitted_again(emulator):
    add_dataset(emulator, 'finished', running=[dict(seconds=0.1, outcome='SUCCESSED'), dict(seconds=0.1, outcome='FAILED')])
    time.sleep(0.4)
    watcher = watcher_of(exports(), emulator, full_scan_interval=5, emit_existing=True)
    assert sorted(event['modelarts']['status'] for event in watcher.poll()) == ['FAILED', 'SUCCESSED']
    for _scan in range(4):
        watcher._clock.now += 5  # pylint: disable=protected-access
        assert watcher.poll() == []
        assert watcher.remembered == 2


def test_a_dataset_that_just_stopped_running_is_listed_once_more(emulator):
    # Imports declare no running_task_type: any running task flags the dataset, here an export, with no import to remember.
    imports = watcher_of(WatchedResource(IMPORT_TASKS, 'import_task', running_task_type=None), emulator)
    imports.poll()
    add_dataset(emulator, 'exporting', running=[dict(seconds=1.0, outcome='SUCCESSED')])
    costs = []
    for wait in (0, 1.3, 0):
        time.sleep(wait)
        imports._clock.now += 1  # pylint: disable=protected-access
        before = requests_served(emulator)
        assert imports.poll() == []
        costs.append(requests_served(emulator) - before)
    assert costs == [2, 2, 1]  # running: listed; just stopped: listed once more; idle: the dataset list alone


def test_a_dataset_deleted_between_the_survey_and_its_listing_is_no_failure(emulator, monkeypatch):
    add_dataset(emulator, 'short-lived', task_count=2)
    watcher = watcher_of(exports(), emulator)
    watcher.poll()
    surveyed = watcher._survey  # pylint: disable=protected-access

    def survey_then_delete():
        found = surveyed()
        admin(emulator, 'reset', {})
        return found

    monkeypatch.setattr(watcher, '_survey', survey_then_delete)
    watcher._clock.now += 300  # pylint: disable=protected-access
    assert watcher.poll() == []
    assert watcher.remembered == 2  # until two full scans have not listed them


def test_any_other_error_of_a_listing_fails_the_poll(emulator):
    add_dataset(emulator, 'flaky', task_count=2)
    watcher = watcher_of(exports(), emulator, max_retries=0)
    admin(emulator, 'faults', {'status_sequence': [503], 'only_paths_containing': '/export-tasks'})
    with pytest.raises(ApiError) as raised:
        watcher.poll()
    assert raised.value.status == 503
    assert 'flaky' in str(raised.value)  # the dataset is named as the user knows it


def test_a_dataset_s_pages_are_read_one_after_another(emulator):
    # Its listing is one job of the poll's pool (max_concurrent_requests): its own pages add no concurrency.
    add_dataset(emulator, 'many-exports', task_count=250)
    watcher = watcher_of(exports(), emulator, max_concurrent_requests=4)
    admin(emulator, 'faults', {'slow_body': 2, 'slow_body_seconds': 0.3, 'only_paths_containing': '/export-tasks'})
    watcher.poll()
    assert watcher.remembered == 250
    pages = [request for request in admin(emulator, 'stats')['requests'] if request['path'].endswith('/export-tasks')]
    assert [dict(part.split('=') for part in page['query'].split('&'))['offset'] for page in pages] == ['0', '1', '2']
    # The server saw page 2 asked for only once page 1's slow answer had been read.
    assert pages[2]['at'] - pages[1]['at'] >= 0.3


def test_each_poll_has_the_whole_result_budget(emulator):
    add_dataset(emulator, 'three-tasks', task_count=3)
    watcher = watcher_of(exports(), emulator, max_items=5, full_scan_interval=1)
    for _poll in range(3):  # a full scan each: the dataset and its 3 tasks, 4 of 5 items
        watcher._clock.now += 1  # pylint: disable=protected-access
        watcher.poll()
    assert watcher.remembered == 3


class Spent:
    """The loop's ``time``, reading ``seconds`` behind the real clock: each poll starts with that much of its time bound
    already spent, as if the poll had run that long (the client and the retry policy keep the real clock)."""

    def __init__(self, seconds):
        self.seconds = seconds

    def monotonic(self):
        return time.monotonic() - self.seconds


def test_each_poll_has_the_time_bound_of_a_run_and_no_request_is_sent_past_it(emulator, monkeypatch):
    add_dataset(emulator, 'steady', task_count=1)
    watcher = watcher_of(exports(), emulator, timeout=1, max_retries=0)  # a run's bound: 1 x (1 + 20 s) = 21 s
    monkeypatch.setattr(event_source, 'time', Spent(15))
    watcher.poll()
    monkeypatch.setattr(event_source, 'time', Spent(21))
    watcher._clock.now += 1  # pylint: disable=protected-access
    before = requests_served(emulator)
    with pytest.raises(TimeBoundError) as raised:
        watcher.poll()
    assert str(raised.value) == (
        'List datasets (page 0) not sent: the time bound of a run without wait, 21 s ((max_retries + 1) x (timeout + 20 s)) ran out')
    assert requests_served(emulator) == before
    # The next poll has the whole bound again.
    monkeypatch.setattr(event_source, 'time', time)
    watcher._clock.now += 1  # pylint: disable=protected-access
    assert watcher.poll() == []
    assert requests_served(emulator) - before == 1  # the dataset list


def test_no_retry_is_waited_for_past_the_poll_s_time_bound(emulator, caplog, monkeypatch):
    watcher = watcher_of(exports(), emulator, timeout=1, max_retries=1)  # a run's bound: 2 x (1 + 20 s) = 42 s
    watcher.poll()
    admin(emulator, 'faults', {'status_sequence': [429], 'retry_after': 6, 'only_paths_containing': '/datasets'})
    monkeypatch.setattr(event_source, 'time', Spent(39))  # 3 s left, and the server asks for 6
    watcher._clock.now += 1  # pylint: disable=protected-access
    with caplog.at_level(logging.INFO, logger=SOURCE):
        with pytest.raises(ApiError) as raised:
            watcher.poll()
    assert raised.value.status == 429
    assert said(caplog, logging.INFO) == []  # no retry said, none waited for


class Pauses:
    """The source's ``asyncio``, with every pause between polls recorded and cut to milliseconds.

    ``hooks[n]`` runs at the n-th pause (before the next poll); the source stays in its ``last``-th pause until cancelled."""

    to_thread = staticmethod(asyncio.to_thread)

    def __init__(self, last, hooks=None):
        self.seconds = []
        self.last = last
        self.hooks = hooks or {}

    async def sleep(self, seconds):
        self.seconds.append(seconds)
        hook = self.hooks.get(len(self.seconds))
        if hook is not None:
            hook()
        await asyncio.sleep(3600 if len(self.seconds) >= self.last else 0.01)


def run_through(pauses, args, seconds=20):
    """Runs the source until its last pause (its events, or the error that ended it)."""
    async def scenario():
        queue = asyncio.Queue()
        task = asyncio.ensure_future(run_source(exports(), queue, args, SOURCE))
        deadline = time.monotonic() + seconds
        while len(pauses.seconds) < pauses.last and not task.done() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if task.done():
            task.result()
        await cancelled(task)
        assert len(pauses.seconds) == pauses.last, pauses.seconds
        return [queue.get_nowait()['modelarts'] for _item in range(queue.qsize())]
    return asyncio.run(scenario())


def test_an_outage_backs_off_doubling_from_interval_up_to_300_s_and_each_is_said_once(emulator, caplog, monkeypatch):
    dataset_id = add_dataset(emulator, 'finished-early', running=[dict(seconds=0.1, outcome='FAILED')])
    time.sleep(0.4)

    def second_outage():
        # An export that runs and finishes while ModelArts does not answer: never seen running.
        add_dataset(emulator, 'during-outage', running=[dict(seconds=0.05, outcome='SUCCESSED')])
        time.sleep(0.3)
        admin(emulator, 'faults', {'status_sequence': [502, 502], 'only_paths_containing': '/datasets'})

    # The first nine polls fail (one dataset list each), then two more after three good polls.
    admin(emulator, 'faults', {'status_sequence': [503] * 9, 'only_paths_containing': '/datasets'})
    pauses = Pauses(15, hooks={12: second_outage})
    monkeypatch.setattr(event_source, 'asyncio', pauses)
    with caplog.at_level(logging.DEBUG, logger=SOURCE):
        events = run_through(pauses, source_args(emulator, interval=3, max_retries=0, emit_existing=True))
    assert pauses.seconds == [3, 6, 12, 24, 48, 96, 192, 300, 300, 3, 3, 3, 3, 6, 3]
    # The first poll after an outage is a full scan: what finished during it is reported.
    assert [(event['dataset_name'], event['status'], event['previous_status']) for event in events] == [
        ('finished-early', 'FAILED', None), ('during-outage', 'SUCCESSED', None)]
    warnings = said(caplog, logging.WARNING)
    failed = SOURCE + ': polling failed; polling on with backoff, saying no more until ModelArts answers: '
    assert [line[:len(failed)] for line in warnings[0::2]] == [failed, failed]
    assert 'HTTP 503' in warnings[0] and 'HTTP 502' in warnings[2]
    assert warnings[1::2] == [SOURCE + ': ModelArts answers again after %d failed poll(s)' % count for count in (9, 2)]
    assert len(warnings) == 4
    debug = said(caplog, logging.DEBUG)
    assert [line.split(': HTTP')[0].rsplit(' failed: ', 1)[0] for line in debug] == [
        SOURCE + ': poll %d of this outage' % count for count in list(range(2, 10)) + [2]]
    assert all(' failed: ' in line and 'HTTP 50' in line for line in debug)
    infos = said(caplog, logging.INFO)
    assert infos[1:] == [SOURCE + ': baseline taken: 1 item(s) known'] + [
        SOURCE + ': export_task %s of dataset %s entered %s' % (event['id'], event['dataset_id'], event['status'])
        for event in events]
    assert events[0]['dataset_id'] == dataset_id
    assert said(caplog, logging.ERROR) == []


def test_a_long_interval_is_the_longest_pause_of_an_outage(emulator, caplog, monkeypatch):
    admin(emulator, 'faults', {'status_sequence': [503, 503], 'only_paths_containing': '/datasets'})
    pauses = Pauses(3)
    monkeypatch.setattr(event_source, 'asyncio', pauses)
    with caplog.at_level(logging.INFO, logger=SOURCE):
        run_through(pauses, source_args(emulator, interval=400, full_scan_interval=400, max_retries=0))
    assert pauses.seconds == [400, 400, 400]
    assert said(caplog, logging.INFO)[-1] == SOURCE + ': baseline taken: 0 item(s) known'


def test_an_error_after_the_first_poll_is_polled_through_even_a_4xx(emulator, caplog, monkeypatch):
    dataset_id = add_dataset(emulator, 'deleted-later', task_count=2)
    pauses = Pauses(3, hooks={1: lambda: admin(emulator, 'reset', {})})
    monkeypatch.setattr(event_source, 'asyncio', pauses)
    with caplog.at_level(logging.DEBUG, logger=SOURCE):
        run_through(pauses, source_args(emulator, dataset_id=dataset_id))
    assert pauses.seconds == [1, 1, 2]
    warnings = said(caplog, logging.WARNING)
    assert len(warnings) == 1 and 'HTTP 400' in warnings[0] and 'ModelArts.4352' in warnings[0]
    assert said(caplog, logging.INFO)[1:] == [SOURCE + ': baseline taken: 2 item(s) known']
    assert len(said(caplog, logging.DEBUG)) == 1
    assert said(caplog, logging.ERROR) == []
