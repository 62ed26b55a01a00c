# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One declaration per ModelArts API, and the one generic way to call any of them.

A ``Resource`` says where an API lives (a path template with the project and the
parent's id), where a list answer keeps its items, total and ids, which page sizes
it takes, which query parameters filter it on the server, and what its state field
means (``States``). ``ResourceApi`` builds and quotes the URL, names the call in
errors, checks each answer's shape, pages (concurrently, with the integrity checks
and bounds of ``paging``) and gets one item.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Dict, List, Optional, Sequence, Tuple

from ansible_collections.mlops.cloud.plugins.module_utils.client import path_segment
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ResponseFormatError
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import clip
from ansible_collections.mlops.cloud.plugins.module_utils.paging import ListShape, fetch_all_pages, fetch_page


# Server text (an error message) quoted in a gate's message or violations is cut to this many characters:
# a server must not decide how long a message is.
MAX_ERROR_TEXT = 300


class States:
    """A state field: the names users write (and the API's values, when they differ), which
    states are terminal, which of those are failures, and what explains a state."""

    def __init__(self, key: str, values: Sequence[Tuple[str, object]], terminal: Sequence[str],
                 failed: Sequence[str], progress_key: Optional[str] = None,
                 error_keys: Sequence[str] = ()) -> None:
        self.key = key
        self.names = tuple(name for name, _value in values)
        self._name_of = dict((value, name) for name, value in values)
        self._value_of = dict(values)
        self.terminal = tuple(terminal)
        self.failed = tuple(failed)
        self.progress_key = progress_key
        self.error_keys = tuple(error_keys)
        self.value_type = type(values[0][1])

    def choices(self) -> List[str]:
        """What ``status`` and ``require_status`` accept: the names, and the API's numbers as text."""
        numbers = [str(value) for _name, value in self._value_of.items() if not isinstance(value, str)]
        return list(self.names) + numbers

    def normalize(self, given: Optional[Sequence[str]]) -> Optional[List[str]]:
        """Names for what the user wrote (``'4'`` becomes ``ERROR``), in the given order, once each."""
        if given is None:
            return None
        by_text = dict((str(value), name) for name, value in self._value_of.items())
        names = []
        for text in given:
            name = text if text in self.names else by_text[text]
            if name not in names:
                names.append(name)
        return names

    def api_value(self, name: str):
        return self._value_of[name]

    def is_valid(self, value) -> bool:
        return isinstance(value, self.value_type) and not isinstance(value, bool)

    def name_of(self, item: Dict) -> str:
        value = item.get(self.key)
        name = self._name_of.get(value)
        # Only an unknown value is server text to quote (clip scrubs it: too costly for every item of every page).
        return name if name is not None else 'UNKNOWN (%s)' % (clip(value, 40) or '')

    def is_terminal(self, item: Dict) -> bool:
        return self.name_of(item) in self.terminal

    def is_failed(self, item: Dict) -> bool:
        return self.name_of(item) in self.failed

    def count(self, items: Sequence[Dict]) -> Dict[str, int]:
        """Each state name -> how many of ``items`` are in it (every name present)."""
        counts = dict((name, 0) for name in self.names)
        for item in items:
            name = self.name_of(item)
            if name in counts:
                counts[name] += 1
        return counts

    def error_of(self, item: Dict, cap: int = MAX_ERROR_TEXT) -> Optional[str]:
        """``ModelArts.4358: Invalid export path`` for a failed item (at most ``cap`` characters), else None."""
        if self.name_of(item) not in self.failed or not self.error_keys:
            return None
        details = [item.get(key) for key in self.error_keys]
        if not any(detail is not None and str(detail).strip() for detail in details):
            return 'no error details'
        # Server text: clipped (scrubbed on the whole, then one line and cut), never cut before it is scrubbed.
        return clip(': '.join('none' if detail is None or not str(detail).strip() else str(detail)
                              for detail in details), cap)

    def describe(self, item: Dict, cap: int = MAX_ERROR_TEXT) -> str:
        """``FAILED (ModelArts.4358: Invalid export path)``, ``RUNNING (42.5%)`` or ``SUCCESSED``."""
        name = self.name_of(item)
        error = self.error_of(item, cap)
        if error is not None:
            return '%s (%s)' % (name, error)
        if name not in self.terminal and self.progress_key:
            return '%s (%s%%)' % (name, item.get(self.progress_key, 0))
        return name


class Resource:
    """One ModelArts API, declared.

    ``path`` has ``{project_id}`` and, for children of another resource, ``{parent_id}``;
    the single-item GET is ``path/{id}``. ``parent`` is the resource the ids of
    ``{parent_id}`` belong to. ``name_key``/``name_filter`` let items be selected by
    exact name (the API's own filter is a fuzzy match). ``filters`` are the list API's
    query parameters, each with its option spec; ``detail_filters`` those the single GET also takes.
    """

    def __init__(self, what: str, plural: str, path: str, list_key: str, total_key: str, id_key: str,
                 max_limit: int = 100, default_limit: int = 100, filters: Optional[Dict[str, Dict]] = None,
                 detail_filters: Sequence[str] = (), states: Optional[States] = None,
                 parent: Optional['Resource'] = None, name_key: Optional[str] = None,
                 name_filter: Optional[str] = None, short: Optional[str] = None,
                 total_cap: Optional[int] = None) -> None:
        self.what = what
        self.plural = plural
        self.path = path
        self.list_key = list_key
        self.total_key = total_key
        self.id_key = id_key
        self.max_limit = max_limit
        self.default_limit = default_limit
        self.filter_specs = dict(filters or {})
        self.filters = tuple(self.filter_specs)
        self.detail_filters = tuple(detail_filters)
        self.states = states
        self.parent = parent
        self.name_key = name_key
        self.name_filter = name_filter
        # ``export`` for export tasks: names its require_<short>_status option where it is a child.
        self.short = short
        # Resources whose parent this is and which ``include`` may fetch with it (set by the catalog).
        self.children = ()  # type: Tuple[Resource, ...]
        self.shape = ListShape('%s list' % what, list_key, total_key, id_key,
                               state_key=states.key if states else None,
                               state_valid=states.is_valid if states else None, total_cap=total_cap)

    def list_path(self, project_id: str, parent_id: Optional[str] = None) -> str:
        values = {'project_id': path_segment(project_id, 'project_id')}
        if self.parent is not None:
            values['parent_id'] = path_segment(parent_id, self.parent.id_key)
        return self.path.format(**values)

    def item_path(self, project_id: str, item_id: str, parent_id: Optional[str] = None) -> str:
        return '%s/%s' % (self.list_path(project_id, parent_id), path_segment(item_id, self.id_key))

    def label(self, item_id: str, parent_label: Optional[str] = None) -> str:
        """``export task T of dataset D``: how messages name one item (``parent_label``: see ``parent_label``)."""
        return '%s %s%s' % (self.what, item_id, self.of_parent(parent_label))

    def of_parent(self, parent_label: Optional[str]) -> str:
        """`` of dataset model-inputs (FZZv...)``, or nothing for a resource without a parent."""
        return ' of %s %s' % (self.parent.what, parent_label) if self.parent is not None else ''


def parent_label(parent_id: Optional[str], parent_name: Optional[str] = None) -> Optional[str]:
    """A parent as the user named it: ``model-inputs (FZZv...)`` when by name, else its id."""
    return '%s (%s)' % (parent_name, parent_id) if parent_name else parent_id


def _query_value(value):
    # The APIs take booleans as true/false, as in their examples.
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return value


class ResourceApi:
    """A ``Resource`` over an authenticated ``Connection``, for one parent and one set of filters."""

    def __init__(self, resource: Resource, connection, parent_id: Optional[str] = None,
                 query: Optional[Dict] = None, parent_name: Optional[str] = None) -> None:
        self.resource = resource
        self._connection = connection
        self.parent_id = parent_id
        self.parent_label = parent_label(parent_id, parent_name)
        self.query = dict((key, _query_value(value)) for key, value in (query or {}).items() if value is not None)

    def _fetch(self, offset: int, limit: int):
        connection = self._connection
        action = 'List %s%s (page %d)' % (self.resource.plural, self.resource.of_parent(self.parent_label), offset)
        body = connection.client.get(
            connection.modelarts_endpoint, self.resource.list_path(connection.project_id, self.parent_id),
            query=dict(self.query, limit=limit, offset=offset), action=action)
        items = body.get(self.resource.shape.items_key) if isinstance(body, dict) else None
        budget = connection.client.budget
        if budget is not None and isinstance(items, list):
            budget.charge_items(len(items), action)
        return body

    def list_page(self, offset: int, limit: int) -> Tuple[List[Dict], int]:
        """One page: (items, the API's total)."""
        page = fetch_page(self._fetch, self.resource.shape, offset, limit)
        return page.items, page.total

    def list_all(self, limit: int, workers: Optional[int] = None) -> Tuple[List[Dict], int]:
        """Every item, once each, in the API's order: (items, the API's total).

        ``workers`` pages are fetched at once (default: the connection's limit); a listing
        that is itself one job of a bounded pool fetches its pages one after another.
        """
        connection = self._connection
        return fetch_all_pages(self._fetch, self.resource.shape, limit,
                               workers=connection.max_concurrent_requests if workers is None else workers,
                               cancel=connection.client.cancel)

    def get(self, item_id: str) -> Dict:
        """One item; only the filters the detail API takes are sent."""
        resource = self.resource
        connection = self._connection
        query = dict((key, value) for key, value in self.query.items() if key in resource.detail_filters)
        label = resource.label(item_id, self.parent_label)
        body = connection.client.get(connection.modelarts_endpoint,
                                     resource.item_path(connection.project_id, item_id, self.parent_id),
                                     query=query, action='Get %s' % label)
        if not isinstance(body, dict) or not isinstance(body.get(resource.id_key), str) or not body[resource.id_key]:
            raise ResponseFormatError('The %s answer for %s has no "%s"' % (resource.what, item_id, resource.id_key))
        states = resource.states
        if states is not None and not states.is_valid(body.get(states.key)):
            raise ResponseFormatError('The %s answer for %s has no valid "%s"' % (resource.what, item_id, states.key))
        return body
