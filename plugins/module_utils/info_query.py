# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The data source behind every info module and lookup: its options, their checks, and one run.

For any declared ``Resource``: the parent by id or exact name, the selection (one item,
one page, every page; then the status filter, the ``created_after``/``created_before``
window and ``latest``), waiting, the gates (``require_status``, ``require_<child>_status``;
an empty selection fails them unless ``allow_empty``) and ``status_counts``. A failure
after items were fetched still carries the result as last known, so that a result keeps
its shape; a gate's failure adds ``violations``, every offending item.
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
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import clip
from ansible_collections.mlops.cloud.plugins.module_utils.resources import Resource, ResourceApi, parent_label
from ansible_collections.mlops.cloud.plugins.module_utils.selection import (
    TIME_OPTIONS,
    in_window,
    newest,
    parse_time,
    validate_time_options,
)
from ansible_collections.mlops.cloud.plugins.module_utils.waiting import (
    Poller,
    validate_wait_options,
    wait_argument_spec,
)

# While waiting, unfinished items are polled one by one while they are this few (and fewer than the pages).
POLL_ONE_BY_ONE_MAX = 5
# A gate's message names this many offending items, then says how many more there are.
NAMED_OFFENDERS = 5
# ... and stays this short, however many items and however long the names and errors.
MAX_GATE_MESSAGE = 1000
ALLOW_EMPTY_HINT = 'allow_empty: true passes an empty selection'


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
        spec.update(latest=dict(type='bool', default=False), created_after=dict(type='raw'),
                    created_before=dict(type='raw'), allow_empty=dict(type='bool', default=False))
    if resource.children:
        spec['include'] = dict(type='list', elements='str', choices=[child.list_key for child in resource.children])
        for child in resource.children:
            spec[require_option(child)] = dict(type='list', elements='str', choices=child.states.choices())
        spec['allow_empty'] = dict(type='bool', default=False)
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
    if resource.states is not None:
        # One item asked for by id is the selection: a window cannot narrow it.
        exclusive.extend((resource.id_key, option) for option in TIME_OPTIONS)
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
    if params['latest'] and (params.get(resource.id_key) or params['offset'] is not None):
        return 'latest selects the newest %s of every page; it cannot be combined with %s' % (
            resource.what, resource.id_key if params.get(resource.id_key) else 'offset (one page)')
    problem = validate_time_options(params)
    if problem:
        return problem
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


def wait_is_over(states, items: List[Dict], required: Optional[List[str]]) -> bool:
    """Every item terminal; or, under a gate (``required``), one terminal in a state it does not allow:
    the gate has its answer. Without a gate nothing ends a wait early."""
    if all(states.is_terminal(item) for item in items):
        return True
    return bool(required) and any(states.is_terminal(item) and states.name_of(item) not in required
                                  for item in items)


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


def violation(resource: Resource, dataset_id: Optional[str], dataset_name: Optional[str],
              item: Optional[Dict] = None, error: Optional[str] = None) -> Dict:
    """One offending item of a gate, as ``violations`` returns it; without ``item``, an empty selection."""
    states = resource.states
    if item is None:
        return dict(resource=resource.what, dataset_id=dataset_id, dataset_name=dataset_name, id=None, status=None,
                    error=error)
    return dict(resource=resource.what, dataset_id=dataset_id, dataset_name=dataset_name,
                id=item.get(resource.id_key), status=states.name_of(item), error=states.error_of(item))


def gate_message(head: str, named: List[str], tail: str) -> str:
    """``head: a; b; c; and N more; tail``, naming at most ``NAMED_OFFENDERS`` and never longer than
    ``MAX_GATE_MESSAGE`` characters: fewer are named when they do not fit, and what still does not
    (one very long name or error) is cut before the tail, which always stays."""
    shown = list(named[:NAMED_OFFENDERS])
    while True:
        more = len(named) - len(shown)
        parts = shown + (['and %d more' % more] if more else [])
        body = '%s: %s' % (head, '; '.join(parts)) if parts else head
        if len(body) + 2 + len(tail) <= MAX_GATE_MESSAGE or len(shown) <= 1:
            break
        shown.pop()
    return '%s; %s' % (clip(body, MAX_GATE_MESSAGE - 2 - len(tail)), tail)


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
        self.parent_name = params.get(resource.parent.name_key) if resource.parent is not None else None
        self.parent_label = None

    def gather(self) -> Dict:
        parent_id = self._parent_id()
        self.parent_label = parent_label(parent_id, self.parent_name)
        api = ResourceApi(self.resource, self.connection, parent_id, self._server_query(), self.parent_name)
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
            if self.parent_name is not None:
                result[resource.parent.name_key] = self.parent_name
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
        return self.params[parent.id_key] or resolve_id_by_name(parent, self.connection, self.parent_name)

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
        """The name and status filters, the time window, then ``latest``: what the run is about."""
        resource = self.resource
        name = self.params.get(resource.name_key) if resource.name_key else None
        if name is not None:
            items = [item for item in items if item.get(resource.name_key) == name]
        if resource.states is None:
            return items
        if self.status:
            items = [item for item in items if resource.states.name_of(item) in self.status]
        items = in_window(resource.what, items, resource.id_key, parse_time('created_after', self.params['created_after']),
                          parse_time('created_before', self.params['created_before']))
        return newest(resource.what, items, resource.id_key) if self.params['latest'] else items

    def _selection(self) -> str:
        """``latest, export_type 3, status INIT or RUNNING``: what chose the items, for an empty selection."""
        params = self.params
        parts = ['latest'] if params.get('latest') else []
        name_key = self.resource.name_key
        if name_key and params.get(name_key) is not None:
            parts.append('%s %s' % (name_key, params[name_key]))
        parts += ['%s %s' % (option, params[option]) for option in self.resource.filters
                  if params.get(option) is not None]
        if self.status:
            parts.append('status %s' % ' or '.join(self.status))
        parts += ['%s %s' % (option, params[option]) for option in TIME_OPTIONS if params.get(option) is not None]
        return ', '.join(parts)

    def _refresh(self, api: ResourceApi, items: List[Dict], total: int) -> List[Dict]:
        """The same items, as they are now. Costs one request per unfinished item when few are."""
        states = self.resource.states
        id_key = self.resource.id_key
        budget = self.connection.client.budget
        if budget is not None:
            budget.reset()  # this poll's answers replace the last one's
        unfinished = [item for item in items if not states.is_terminal(item)]
        if self.params.get(id_key) or len(unfinished) <= min(POLL_ONE_BY_ONE_MAX, pages_needed(total, self.params['limit'])):
            fresh = dict((item[id_key], api.get(item[id_key])) for item in unfinished)
        else:
            fresh = dict((item[id_key], item) for item in self._fetch(api)[0])
        return [fresh.get(item[id_key], item) for item in items]

    def _wait(self, api: ResourceApi, parent_id: Optional[str], items: List[Dict], total: int) -> List[Dict]:
        """``items`` once every one is terminal, or, under a gate, as soon as one can no longer pass it."""
        params = self.params
        states = self.resource.states

        try:
            items, finished = Poller(params['wait_timeout'], params['wait_sleep']).wait(
                items, poll=lambda current: self._known(parent_id, self._refresh(api, current, total), total),
                done=lambda current: wait_is_over(states, current, self.required), start=self.started)
        except TimeBoundError:
            # wait_timeout ran out during a poll's request: the same answer as running out between polls.
            items, finished = self._last, False
        if not finished:
            raise WaitTimeoutError('Timed out after %ss waiting for %s%s to finish; still unfinished: %s' % (
                params['wait_timeout'], self.resource.plural, self.resource.of_parent(self.parent_label),
                describe_unfinished(self.resource, items)))
        return items

    def _with_children(self, items: List[Dict]) -> List[Dict]:
        """Each item with one key per included child (its every item) and ``<child>_status_counts``.

        Every listing (a child of an item) is one job of one pool of ``max_concurrent_requests``;
        a job reads its pages one after another, so no more requests are ever in flight, and
        the first failure stops them all.
        """
        children = [child for child in self.resource.children if child.list_key in self.params['include']]
        connection = self.connection
        resource = self.resource
        jobs = [(item, child) for item in items for child in children]
        listings = run_bounded(
            [lambda item=item, child=child: ResourceApi(child, connection, item[resource.id_key], {},
                                                        item.get(resource.name_key)).list_all(
                child.default_limit, workers=1)[0] for item, child in jobs],
            connection.max_concurrent_requests, connection.client.cancel)
        enriched = dict((id(item), dict(item)) for item in items)
        for (item, child), listing in zip(jobs, listings):
            enriched[id(item)][child.list_key] = listing
            enriched[id(item)]['%s_status_counts' % child.list_key] = child.states.count(listing)
        return [enriched[id(item)] for item in items]

    def _check_children(self, items: List[Dict]) -> None:
        """The project-wide gate: every ``require_<child>_status`` over every selected item's children.

        Fails with a short message (counts, the first offenders, failures first) and every
        offender in ``violations``; a selected item without children, or no item at all, is an
        offender too unless ``allow_empty``.
        """
        resource = self.resource
        gates = [(child, child.states.normalize(self.params.get(require_option(child))))
                 for child in resource.children if self.params.get(require_option(child))]
        if not gates:
            return
        rules = '; '.join('%s: %s' % (require_option(child), ' or '.join(required)) for child, required in gates)
        allow_empty = self.params['allow_empty']
        if not items:
            if allow_empty:
                return
            selection = self._selection()
            self._fail_gate(gate_message('No %s matched%s' % (
                resource.what, ' %s' % selection if selection else ' (the project has none)'), [],
                '%s (%s)' % (rules, ALLOW_EMPTY_HINT)), [])
        offenders = []  # (is a failure, violation, how the message names it)
        for item in items:
            item_label = parent_label(item[resource.id_key], item.get(resource.name_key))
            for child, required in gates:
                listing = item.get(child.list_key, [])
                if not listing and not allow_empty:
                    offenders.append((False, violation(child, item[resource.id_key], item.get(resource.name_key),
                                                       error='no %s' % child.what),
                                      '%s %s has no %s' % (resource.what, item_label, child.what)))
                for listed in listing:
                    if child.states.name_of(listed) not in required:
                        offenders.append((child.states.is_failed(listed),
                                          violation(child, item[resource.id_key], item.get(resource.name_key), listed),
                                          '%s is %s' % (child.label(listed.get(child.id_key), item_label),
                                                        child.states.describe(listed))))
        if not offenders:
            return
        offenders.sort(key=lambda offender: not offender[0])
        count = len(set(offender[1]['dataset_id'] for offender in offenders))
        head = '%d violation%s in %d %s' % (len(offenders), '' if len(offenders) == 1 else 's', count,
                                            resource.what if count == 1 else resource.plural)
        self._raise_gate(head, offenders, rules)

    def _check_required(self, parent_id: Optional[str], items: List[Dict]) -> None:
        """``require_status``: fail naming the items not in a required state, failures first (their error is
        the reason); an empty selection fails too unless ``allow_empty``."""
        if not self.required:
            return
        resource = self.resource
        states = resource.states
        rules = 'required: %s' % ' or '.join(self.required)
        if not items:
            if self.params['allow_empty']:
                return
            selection = self._selection()
            where = resource.of_parent(self.parent_label)
            # latest alone keeps one of any item there is: nothing kept means there was none.
            message = 'No %s%s matched %s' % (resource.what, where, selection) if selection not in ('', 'latest') \
                else 'No %s%s exists' % (resource.what, where)
            self._fail_gate(gate_message(message, [], '%s (%s)' % (rules, ALLOW_EMPTY_HINT)),
                            [violation(resource, parent_id, self.parent_name, error='no %s matched' % resource.what)])
        offenders = [(states.is_failed(item), violation(resource, parent_id, self.parent_name, item), item)
                     for item in items if states.name_of(item) not in self.required]
        if not offenders:
            return
        offenders.sort(key=lambda offender: not offender[0])
        if len(offenders) == 1:
            named = '%s is %s' % (resource.label(offenders[0][2].get(resource.id_key), self.parent_label),
                                  states.describe(offenders[0][2]))
            self._fail_gate(gate_message(named[:1].upper() + named[1:], [], rules), [offenders[0][1]])
        head = '%d %s%s are not in a required state' % (len(offenders), resource.plural,
                                                        resource.of_parent(self.parent_label))
        self._raise_gate(head, [(failed, found, '%s is %s' % (item.get(resource.id_key), states.describe(item)))
                                for failed, found, item in offenders], rules)

    def _raise_gate(self, head: str, offenders: List[Tuple[bool, Dict, str]], rules: str) -> None:
        """Fail with ``head``, the first offenders named and ``rules``; every offender in ``violations``."""
        message = gate_message(head, [named for _failed, _found, named in offenders], rules)
        self._fail_gate(message, [found for _failed, found, _named in offenders])

    def _fail_gate(self, message: str, violations: List[Dict]) -> None:
        self._remember(violations=violations)
        raise RequiredStatusError(message)
