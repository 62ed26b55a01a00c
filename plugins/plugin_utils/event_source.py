# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one polling loop behind every Event-Driven Ansible source of the collection.

A source (``extensions/eda/plugins/event_source/``) declares a ``WatchedResource``: a child
resource of the catalog (export tasks, import tasks, versions), the name its events carry, and
the ``running_task_type`` under which the dataset list reports its running tasks. ``run_source``
does the rest, on the modules' own argument spec, connection, client and retry policy:

- Each poll surveys the datasets (the list with ``check_running_task=true``, or the one dataset's
  detail): ``ceil(datasets / 100)`` requests, or one. Children are listed only for the datasets
  that have a running task now, had one at the last survey (it just stopped), or have an item this
  source last saw unfinished; every dataset's children on the full scan (the first poll, the first
  after a failed one, then every ``full_scan_interval`` seconds).
- An item entering a wanted ``status`` is one event, once per ``(item, status)`` for the source's
  life; the first successful poll is the baseline (events only with ``emit_existing``).
- Memory holds each listed item's state (a few short strings, never the item); an item that two
  full scans in a row did not list (deleted, or its dataset deleted) is forgotten.
- Blocking HTTP runs in a worker thread; cancelling the task (ansible-rulebook on SIGTERM/SIGINT)
  cuts the request in flight and sends none after it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import logging
import threading
import time
from typing import Dict, List, Optional, Tuple

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.mlops.cloud.plugins.module_utils.catalog import DATASETS
from ansible_collections.mlops.cloud.plugins.module_utils.connection import (
    connection_argument_spec,
    open_connection,
    run_time_bound,
)
from ansible_collections.mlops.cloud.plugins.module_utils.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    DatasetNameError,
    ModelArtsError,
)
from ansible_collections.mlops.cloud.plugins.module_utils.info_query import resolve_id_by_name
from ansible_collections.mlops.cloud.plugins.module_utils.paging import run_bounded
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import Redactor
from ansible_collections.mlops.cloud.plugins.module_utils.resources import Resource, ResourceApi
from ansible_collections.mlops.cloud.plugins.module_utils.retries import RetryPolicy

DEFAULT_INTERVAL = 30
MAX_INTERVAL = 3600
DEFAULT_FULL_SCAN_INTERVAL = 300
MAX_FULL_SCAN_INTERVAL = 86400
# An item no full scan listed this many times in a row is forgotten, with the states it emitted.
FORGET_AFTER_FULL_SCANS = 2
# Through an outage the pause between polls doubles up to this (or the interval, when that is longer).
MAX_OUTAGE_BACKOFF = 300
# ModelArts' answer when a dataset does not exist (deleted between the survey and the listing of its children).
DATASET_MISSING = 'ModelArts.4352'


class SourceArgumentError(ValueError):
    """Arguments the source cannot start with; the message names the argument."""


class SourceStopped(RuntimeError):
    """The source cannot go on (credentials refused, dataset unknown): one line for the rulebook's log."""


class WatchedResource:
    """What a source watches: ``resource`` (a child of datasets in the catalog), the ``name`` its events carry
    (``export_task``), and the dataset list's ``running_task_type`` for it (None: any running task)."""

    def __init__(self, resource: Resource, name: str, running_task_type: Optional[int]) -> None:
        if resource.parent is not DATASETS or resource.states is None:
            raise ValueError('a watched resource is a child of datasets with states')
        self.resource = resource
        self.name = name
        self.running_task_type = running_task_type


def source_argument_spec(watched: WatchedResource) -> Dict[str, Dict]:
    """The modules' connection options and the source's own."""
    spec = connection_argument_spec()
    spec.update(
        dataset_id=dict(type='str'),
        dataset_name=dict(type='str'),
        status=dict(type='list', elements='str', choices=watched.resource.states.choices()),
        interval=dict(type='int', default=DEFAULT_INTERVAL),
        full_scan_interval=dict(type='int', default=DEFAULT_FULL_SCAN_INTERVAL),
        emit_existing=dict(type='bool', default=False),
    )
    return spec


def validate_source_args(watched: WatchedResource, args: Optional[Dict], redactor: Redactor) -> Dict:
    """The checked arguments (defaults filled in, ``status`` as names); ``SourceArgumentError`` naming the argument."""
    spec = source_argument_spec(watched)
    given = dict(args or {})
    for option, definition in spec.items():
        if definition.get('no_log') and isinstance(given.get(option), str):
            redactor.add(given[option])
    result = ArgumentSpecValidator(spec, mutually_exclusive=[('dataset_id', 'dataset_name')]).validate(given)
    if result.error_messages:
        # AnsibleModule's words, which name arguments, never values.
        raise SourceArgumentError(redactor.scrub(result.error_messages[0]))
    params = result.validated_parameters
    for option in ('dataset_id', 'dataset_name'):
        if params[option] is not None and not params[option].strip():
            raise SourceArgumentError('%s must not be empty' % option)
    if not 1 <= params['interval'] <= MAX_INTERVAL:
        raise SourceArgumentError('interval must be between 1 and %d seconds, got %s' % (MAX_INTERVAL, params['interval']))
    if not params['interval'] <= params['full_scan_interval'] <= MAX_FULL_SCAN_INTERVAL:
        raise SourceArgumentError('full_scan_interval must be between interval (%d) and %d seconds, got %s' % (
            params['interval'], MAX_FULL_SCAN_INTERVAL, params['full_scan_interval']))
    states = watched.resource.states
    if params['status'] == []:
        raise SourceArgumentError('status must name at least one of %s' % ', '.join(states.names))
    params['status'] = states.normalize(params['status']) or list(states.terminal)
    return params


class _LoggedRetryPolicy(RetryPolicy):
    """The collection's policy, saying each retry (the client does not: a module has no log to say it in)."""

    def __init__(self, policy: RetryPolicy, log: logging.Logger) -> None:
        super(_LoggedRetryPolicy, self).__init__(max_retries=policy.max_retries, base_delay=policy.base_delay,
                                                 max_delay=policy.max_delay, deadline=policy.deadline)
        self._log = log

    def delay_before(self, retry_number, retry_after=None):
        delay = super(_LoggedRetryPolicy, self).delay_before(retry_number, retry_after)
        if delay is not None:
            self._log.info('A ModelArts request failed transiently (throttled, 5xx, timeout or dropped); retry %d of %d '
                           'in %.1f s', retry_number, self.max_retries, delay)
        return delay


class _Dataset:
    """One dataset as the survey saw it."""

    def __init__(self, dataset_id: str, name: Optional[str], running: bool) -> None:
        self.id = dataset_id
        self.name = name
        self.running = running


class _Known:
    """What the source remembers of one item: its state, the full scan that last listed it, the states it emitted."""

    __slots__ = ('status', 'scan', 'emitted')

    def __init__(self, status: str, scan: int) -> None:
        self.status = status
        self.scan = scan
        self.emitted = ()  # type: Tuple[str, ...]


class ProjectWatcher:
    """The blocking part of a source: ``poll()`` returns the events since the last poll.

    ``clock`` is monotonic seconds. Not thread-safe: one poll at a time (the loop awaits each)."""

    def __init__(self, watched: WatchedResource, params: Dict, connection, log: logging.Logger,
                 clock=time.monotonic) -> None:
        self.watched = watched
        self.params = params
        self.connection = connection
        self._log = log
        self._clock = clock
        self._wanted = frozenset(params['status'])
        self._dataset_id = params.get('dataset_id')
        self._known = {}  # type: Dict[Tuple[str, str], _Known]
        self._was_running = set()  # datasets with a running task at the last survey
        self._baseline_done = False
        self._full_scans = 0
        self._last_full_scan = None  # type: Optional[float]

    def poll(self) -> List[Dict]:
        now = self._clock()
        self._renew_bounds()
        full = self._last_full_scan is None or now - self._last_full_scan >= self.params['full_scan_interval']
        datasets = self._survey()
        unfinished = set(dataset_id for (dataset_id, _item), known in self._known.items()
                         if known.status not in self.watched.resource.states.terminal)
        chosen = [dataset for dataset in datasets
                  if full or dataset.running or dataset.id in self._was_running or dataset.id in unfinished]
        listings = run_bounded([self._lister(dataset) for dataset in chosen],
                               self.connection.max_concurrent_requests)
        if full:
            self._full_scans += 1
            self._last_full_scan = now
        events = []
        for dataset, items in zip(chosen, listings):
            if items is not None:
                events.extend(self._compare(dataset, items))
        self._was_running = set(dataset.id for dataset in datasets if dataset.running)
        if full:
            self._forget()
        self._baseline_done = True
        return events

    def failed(self):
        """A poll failed: the next one is a full scan, so that what finished during an outage is reported then."""
        self._last_full_scan = None

    def _renew_bounds(self):
        """Each poll is a run of its own: the time bound of a run without wait, and an empty result budget."""
        client = self.connection.client
        values = self.connection.settings.values
        deadline = time.monotonic() + run_time_bound(values['timeout'], values['max_retries'])
        client.deadline = deadline
        if not isinstance(client.retry_policy, _LoggedRetryPolicy):
            client.retry_policy = _LoggedRetryPolicy(client.retry_policy, self._log)
        client.retry_policy.deadline = deadline
        if client.budget is not None:
            client.budget.reset()

    def _survey(self) -> List[_Dataset]:
        query = dict(check_running_task=True, running_task_type=self.watched.running_task_type)
        if self._dataset_id is None and self.params.get('dataset_name'):
            self._dataset_id = resolve_id_by_name(DATASETS, self.connection, self.params['dataset_name'])
        if self._dataset_id is not None:
            found = [ResourceApi(DATASETS, self.connection, query=query).get(self._dataset_id)]
        else:
            found = ResourceApi(DATASETS, self.connection, query=query).list_all(DATASETS.max_limit)[0]
        return [_Dataset(item[DATASETS.id_key], item.get(DATASETS.name_key), item.get('exist_running_task') is True)
                for item in found]

    def _lister(self, dataset: _Dataset):
        resource = self.watched.resource

        def list_children():
            api = ResourceApi(resource, self.connection, dataset.id, parent_name=dataset.name)
            try:
                return api.list_all(resource.max_limit, workers=1)[0]
            except ApiError as exc:
                if exc.error_code == DATASET_MISSING and self._dataset_id is None:
                    return None  # deleted since the survey: the next full scan forgets its items
                raise
        return list_children

    def _compare(self, dataset: _Dataset, items: List[Dict]) -> List[Dict]:
        resource = self.watched.resource
        states = resource.states
        events = []
        for item in items:
            key = (dataset.id, item[resource.id_key])
            status = states.name_of(item)
            known = self._known.get(key)
            previous = known.status if known is not None else None
            if known is None:
                known = self._known[key] = _Known(status, self._full_scans)
            known.status = status
            known.scan = self._full_scans
            if status not in self._wanted or status in known.emitted:
                continue
            if self._baseline_done or self.params['emit_existing']:
                events.append(self._event(dataset, item, status, previous))
            # Part of the baseline or emitted: either way, never again for this item.
            known.emitted = known.emitted + (status,)
        return events

    def _event(self, dataset: _Dataset, item: Dict, status: str, previous: Optional[str]) -> Dict:
        return {'modelarts': {
            'resource': self.watched.name, 'dataset_id': dataset.id, 'dataset_name': dataset.name,
            'id': item[self.watched.resource.id_key], 'status': status, 'previous_status': previous, 'item': item}}

    def _forget(self):
        oldest = self._full_scans - FORGET_AFTER_FULL_SCANS
        for key in [key for key, known in self._known.items() if known.scan <= oldest]:
            del self._known[key]

    @property
    def remembered(self) -> int:
        """How many items the source remembers (for tests and the benchmark)."""
        return len(self._known)


def _fatal_at_start(exc: ModelArtsError) -> bool:
    """Whether an error of the first poll is the user's to fix: it will not heal by polling again."""
    if isinstance(exc, (ConfigurationError, DatasetNameError, AuthenticationError)):
        return True
    return isinstance(exc, ApiError) and 400 <= (exc.status or 0) < 500 and exc.status != 429


async def run_source(watched: WatchedResource, queue, args: Optional[Dict], source_name: str) -> None:
    """``main(queue, args)`` of a source: check ``args``, then poll until cancelled.

    Returns never; raises ``SourceArgumentError`` or ``SourceStopped`` (ansible-rulebook then stops)
    for what the user must fix: bad arguments, refused credentials, an unknown dataset."""
    log = logging.getLogger(source_name)
    redactor = Redactor()
    try:
        params = validate_source_args(watched, args, redactor)
    except SourceArgumentError as exc:
        raise SourceArgumentError('%s: %s' % (source_name, exc)) from None
    cancel = threading.Event()
    connection = None
    try:
        try:
            # In the worker thread too: clouds.yaml, the token cache and a metadata service are I/O.
            connection = await asyncio.to_thread(open_connection, params, redactor,
                                                 lambda message: log.warning(redactor.scrub(message)),
                                                 time.monotonic(), cancel=cancel)
        except ModelArtsError as exc:
            raise SourceStopped('%s: %s' % (source_name, redactor.scrub(str(exc)))) from None
        watcher = ProjectWatcher(watched, params, connection, log)
        await _poll_forever(watcher, queue, params['interval'], log, redactor, source_name)
    finally:
        # Cancelled or stopped: the request in flight is cut, and none is sent after it.
        cancel.set()
        if connection is not None:
            connection.close()


async def _poll_forever(watcher: ProjectWatcher, queue, interval: int, log: logging.Logger, redactor: Redactor,
                        source_name: str) -> None:
    polled = False
    failures = 0
    where = ('dataset %s' % (watcher.params.get('dataset_id') or watcher.params.get('dataset_name'))
             if watcher.params.get('dataset_id') or watcher.params.get('dataset_name') else 'every dataset of the project')
    log.info('%s: watching %s of %s every %d s (full scan every %d s), emitting on entry to %s', source_name,
             watcher.watched.resource.plural, where, interval, watcher.params['full_scan_interval'],
             ', '.join(watcher.params['status']))
    while True:
        try:
            events = await asyncio.to_thread(watcher.poll)
        except ModelArtsError as exc:
            message = redactor.scrub(str(exc))
            if not polled and _fatal_at_start(exc):
                log.error('%s: stopping: %s', source_name, message)
                raise SourceStopped('%s: %s' % (source_name, message)) from None
            failures += 1
            watcher.failed()
            if failures == 1:
                log.warning('%s: polling failed; polling on with backoff, saying no more until ModelArts answers: %s',
                            source_name, message)
            else:
                log.debug('%s: poll %d of this outage failed: %s', source_name, failures, message)
            await asyncio.sleep(min(interval * 2 ** min(failures - 1, 16), max(MAX_OUTAGE_BACKOFF, interval)))
            continue
        if failures:
            log.warning('%s: ModelArts answers again after %d failed poll(s)', source_name, failures)
            failures = 0
        if not polled:
            log.info('%s: baseline taken: %d item(s) known', source_name, watcher.remembered)
        polled = True
        for event in events:
            modelarts = event['modelarts']
            log.info('%s: %s %s of dataset %s entered %s', source_name, watcher.watched.name, modelarts['id'],
                     modelarts['dataset_id'], modelarts['status'])
            await queue.put(event)
        await asyncio.sleep(interval)
