# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The data source behind every info module and lookup: its options, their checks, and one run.

For any declared ``Resource``: the parent by id or exact name, the selection (one item,
one page, every page), the status filter, waiting, ``require_status`` and
``status_counts``. A failure after items were fetched still carries the result as last
known, so that a result keeps its shape.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Callable, Dict, List, Optional, Tuple

from ansible_collections.mlops.cloud.plugins.module_utils.errors import (
    DatasetNameError,
    RequiredStatusError,
    TimeBoundError,
    WaitTimeoutError,
)
from ansible_collections.mlops.cloud.plugins.module_utils.paging import pages_needed, run_bounded
from ansible_collections.mlops.cloud.plugins.module_utils.resources import Resource, ResourceApi
from ansible_collections.mlops.cloud.plugins.module_utils.waiting import (
    Poller,
    validate_wait_options,
    wait_argument_spec,
)

# While waiting, unfinished items are polled one by one while they are this few (and fewer than the pages).
POLL_ONE_BY_ONE_MAX = 5
# A project-wide gate names this many offending items, then says how many more there are.
NAMED_OFFENDERS = 5


def require_option(child: Resource) -> str:
    """``require_export_status``: the gate on one included child."""
    return 'require_%s_status' % child.short


def info_argument_spec(resource: Resource) -> Dict[str, Dict]:
    """The options of an info module (or lookup) for ``resource``: selection, its filters, states, waiting."""
    spec = {}  # type: Dict[str, Dict]
    if resource.parent is not None:
        spec[resource.parent.id_key] = dict(type='str')
        spec[resource.parent.name_key] = dict(type='str')
    spec[resource.id_key] = dict(type='str')
    if resource.name_key:
        spec[resource.name_key] = dict(type='str')
    spec.update(limit=dict(type='int', default=resource.default_limit), offset=dict(type='int'))
    if resource.states is not None:
        choices = resource.states.choices()
        spec.update(status=dict(type='list', elements='str', choices=choices),
                    require_status=dict(type='list', elements='str', choices=choices))
        spec.update(wait_argument_spec())
    if resource.children:
        spec['include'] = dict(type='list', elements='str', choices=[child.list_key for child in resource.children])
        for child in resource.children:
            spec[require_option(child)] = dict(type='list', elements='str', choices=child.states.choices())
    spec.update(resource.filter_specs)
    return spec


def info_constraints(resource: Resource) -> Dict[str, List]:
    """``mutually_exclusive`` and ``required_one_of`` for ``info_argument_spec``."""
    exclusive = [(resource.id_key, 'offset')]
    required = []
    if resource.parent is not None:
        exclusive.append((resource.parent.id_key, resource.parent.name_key))
        required.append((resource.parent.id_key, resource.parent.name_key))
    if resource.name_key:
        exclusive.append((resource.id_key, resource.name_key))
        if resource.name_filter:
            exclusive.append((resource.name_key, resource.name_filter))
    # Filters of the list API mean nothing when one item is asked for by id.
    exclusive.extend((resource.id_key, option) for option in resource.filters
                     if option not in resource.detail_filters and option != resource.name_filter)
    if resource.name_filter:
        exclusive.append((resource.id_key, resource.name_filter))
    return dict(mutually_exclusive=exclusive, required_one_of=required)


def validate_info_params(resource: Resource, params: Dict) -> Optional[str]:
    """A message naming the bad option and what is allowed, or None. Runs before any request."""
    text_options = [resource.id_key] + [option for option in (resource.name_key,) if option]
    if resource.parent is not None:
        text_options += [resource.parent.id_key, resource.parent.name_key]
    text_options += [option for option in resource.filters if isinstance(params.get(option), str)]
    for option in text_options:
        if params.get(option) is not None and not params[option].strip():
            return '%s must not be empty' % option
    if not 1 <= params['limit'] <= resource.max_limit:
        return 'limit must be between 1 and %d, got %s' % (resource.max_limit, params['limit'])
    if params['offset'] is not None and params['offset'] < 0:
        return 'offset must be 0 or more (a page index), got %s' % params['offset']
    for child in resource.children:
        required = params.get(require_option(child))
        if required is not None and child.list_key not in (params.get('include') or []):
            return '%s needs include to name %s' % (require_option(child), child.list_key)
        if required == []:
            return '%s must name at least one of %s' % (require_option(child), ', '.join(child.states.names))
    if resource.states is None:
        return None
    if params['require_status'] == []:
        return 'require_status must name at least one of %s' % ', '.join(resource.states.names)
    # Lookups have no wait options.
    return validate_wait_options(params) if 'wait_timeout' in params else None


def resolve_id_by_name(resource: Resource, connection, name: str) -> str:
    """The id of the one item of ``resource`` named exactly ``name``; fails when none or several are."""
    api = ResourceApi(resource, connection, query={resource.name_filter: name})
    matches = [item for item in api.list_all(resource.default_limit)[0] if item.get(resource.name_key) == name]
    if not matches:
        raise DatasetNameError('No %s named %s in project %s' % (resource.what, name, connection.project_id))
    if len(matches) > 1:
        raise DatasetNameError('%d %s are named %s: %s; use %s' % (
            len(matches), resource.plural, name, ', '.join(item[resource.id_key] for item in matches),
            resource.id_key))
    return matches[0][resource.id_key]


def wait_is_over(states, items: List[Dict], wanted: List[str]) -> bool:
    """All terminal, or one terminal in a state not ``wanted``: a gate has its answer."""
    return all(states.is_terminal(item) for item in items) or any(
        states.is_terminal(item) and states.name_of(item) not in wanted for item in items)


def describe_unfinished(resource: Resource, items: List[Dict]) -> str:
    """``id (RUNNING, 42.0%)`` for each item not yet terminal."""
    states = resource.states
    described = []
    for item in items:
        if states.is_terminal(item):
            continue
        details = [states.name_of(item)]
        if states.progress_key:
            details.append('%s%%' % item.get(states.progress_key, 0))
        described.append('%s (%s)' % (item.get(resource.id_key), ', '.join(details)))
    return ', '.join(described)


class InfoQuery:
    """One run of a data source: ``gather()`` returns the result, or raises with ``remember``
    told of the result as last known."""

    def __init__(self, resource: Resource, params: Dict, connection, started: float,
                 remember: Optional[Callable[..., None]] = None) -> None:
        self.resource = resource
        self.params = params
        self.connection = connection
        self.started = started
        self._remember = remember or (lambda **facts: None)
        self._last = []  # the items as last fetched, for a wait cut short by its deadline
        states = resource.states
        self.status = states.normalize(params.get('status')) if states else None
        self.required = states.normalize(params.get('require_status')) if states else None

    def gather(self) -> Dict:
        parent_id = self._parent_id()
        api = ResourceApi(self.resource, self.connection, parent_id, self._server_query())
        items, total = self._fetch(api)
        items = self._known(parent_id, self._select(items), total)
        if self.params.get('include'):
            items = self._known(parent_id, self._with_children(items), total)
            self._check_children(items)
        if self.params.get('wait'):
            items = self._wait(api, parent_id, items, total)
        self._check_required(parent_id, items)
        return self.result(parent_id, items, total)

    def result(self, parent_id: Optional[str], items: List[Dict], total: int) -> Dict:
        resource = self.resource
        result = {resource.list_key: items, 'total_count': total}
        if resource.parent is not None:
            result[resource.parent.id_key] = parent_id
        if resource.states is not None:
            result['status_counts'] = resource.states.count(items)
        return result

    def _known(self, parent_id, items, total):
        self._last = items
        self._remember(**self.result(parent_id, items, total))
        return items

    def _parent_id(self) -> Optional[str]:
        parent = self.resource.parent
        if parent is None:
            return None
        return self.params[parent.id_key] or resolve_id_by_name(parent, self.connection, self.params[parent.name_key])

    def _server_query(self) -> Dict:
        resource = self.resource
        query = dict((option, self.params.get(option)) for option in resource.filters)
        if resource.name_key and self.params.get(resource.name_key) is not None:
            query[resource.name_filter] = self.params[resource.name_key]
        return query

    def _fetch(self, api: ResourceApi) -> Tuple[List[Dict], int]:
        """(items, the API's total) for the selection, before the status filter."""
        params = self.params
        if params.get(self.resource.id_key):
            return [api.get(params[self.resource.id_key])], 1
        if params['offset'] is not None:
            return api.list_page(params['offset'], params['limit'])
        return api.list_all(params['limit'])

    def _select(self, items: List[Dict]) -> List[Dict]:
        resource = self.resource
        name = self.params.get(resource.name_key) if resource.name_key else None
        if name is not None:
            items = [item for item in items if item.get(resource.name_key) == name]
        if self.status:
            items = [item for item in items if resource.states.name_of(item) in self.status]
        return items

    def _refresh(self, api: ResourceApi, items: List[Dict], total: int) -> List[Dict]:
        """The same items, as they are now. Costs one request per unfinished item when few are."""
        states = self.resource.states
        id_key = self.resource.id_key
        unfinished = [item for item in items if not states.is_terminal(item)]
        if self.params.get(id_key) or len(unfinished) <= min(POLL_ONE_BY_ONE_MAX, pages_needed(total, self.params['limit'])):
            fresh = dict((item[id_key], api.get(item[id_key])) for item in unfinished)
        else:
            fresh = dict((item[id_key], item) for item in self._fetch(api)[0])
        return [fresh.get(item[id_key], item) for item in items]

    def _wanted(self) -> List[str]:
        """The states a wait hopes for: ``require_status``, or else any that is not a failure."""
        states = self.resource.states
        return self.required or [name for name in states.names if name not in states.failed]

    def _wait(self, api: ResourceApi, parent_id: Optional[str], items: List[Dict], total: int) -> List[Dict]:
        """``items`` once finished, or as soon as one can no longer be in a wanted state."""
        params = self.params
        states = self.resource.states
        wanted = self._wanted()

        try:
            items, finished = Poller(params['wait_timeout'], params['wait_sleep']).wait(
                items, poll=lambda current: self._known(parent_id, self._refresh(api, current, total), total),
                done=lambda current: wait_is_over(states, current, wanted), start=self.started)
        except TimeBoundError:
            # wait_timeout ran out during a poll's request: the same answer as running out between polls.
            items, finished = self._last, False
        if not finished:
            raise WaitTimeoutError('Timed out after %ss waiting for %s%s to finish; still unfinished: %s' % (
                params['wait_timeout'], self.resource.plural, self._of_parent(parent_id),
                describe_unfinished(self.resource, items)))
        return items

    def _of_parent(self, parent_id: Optional[str]) -> str:
        parent = self.resource.parent
        return ' of %s %s' % (parent.what, parent_id) if parent is not None else ''

    def _with_children(self, items: List[Dict]) -> List[Dict]:
        """Each item with one key per included child (its every item) and ``<child>_status_counts``.

        Every listing (a child of an item) is one job of one pool of ``max_concurrent_requests``;
        a job reads its pages one after another, so no more requests are ever in flight, and
        the first failure stops them all.
        """
        children = [child for child in self.resource.children if child.list_key in self.params['include']]
        connection = self.connection
        jobs = [(item, child) for item in items for child in children]
        listings = run_bounded(
            [lambda item=item, child=child: ResourceApi(child, connection, item[self.resource.id_key]).list_all(
                child.default_limit, workers=1)[0] for item, child in jobs],
            connection.max_concurrent_requests, connection.client.cancel)
        enriched = dict((id(item), dict(item)) for item in items)
        for (item, child), listing in zip(jobs, listings):
            enriched[id(item)][child.list_key] = listing
            enriched[id(item)]['%s_status_counts' % child.list_key] = child.states.count(listing)
        return [enriched[id(item)] for item in items]

    def _check_children(self, items: List[Dict]) -> None:
        """The project-wide gate: fail naming the first offenders of every ``require_<child>_status``."""
        problems = []
        for child in self.resource.children:
            required = child.states.normalize(self.params.get(require_option(child)))
            if not required:
                continue
            offenders = [(item, listed) for item in items for listed in item.get(child.list_key, [])
                         if child.states.name_of(listed) not in required]
            if not offenders:
                continue
            offenders.sort(key=lambda pair: not child.states.is_failed(pair[1]))
            named = '; '.join('%s is %s' % (child.label(listed.get(child.id_key), item[self.resource.id_key]),
                                            child.states.describe(listed))
                              for item, listed in offenders[:NAMED_OFFENDERS])
            more = len(offenders) - NAMED_OFFENDERS
            datasets = len(set(item[self.resource.id_key] for item, _listed in offenders))
            problems.append('%s: %d %s in %d %s not %s: %s%s' % (
                require_option(child), len(offenders), child.plural, datasets, self.resource.plural,
                ' or '.join(required), named, ' and %d more' % more if more > 0 else ''))
        if problems:
            raise RequiredStatusError('; '.join(problems))

    def _check_required(self, parent_id: Optional[str], items: List[Dict]) -> None:
        """Fail naming each item not in a required state, failures first (their error is the reason)."""
        if not self.required:
            return
        states = self.resource.states
        unmet = [item for item in items if states.name_of(item) not in self.required]
        if not unmet:
            return
        unmet.sort(key=lambda item: not states.is_failed(item))
        named = '; '.join('%s is %s' % (self.resource.label(item.get(self.resource.id_key), parent_id),
                                        states.describe(item)) for item in unmet)
        raise RequiredStatusError('%s%s; required: %s' % (named[:1].upper(), named[1:], ' or '.join(self.required)))
