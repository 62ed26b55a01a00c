# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dataset export task API: list (one page or all), one task, and what its states mean."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.cloud.plugins.module_utils.client import path_segment
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ResponseFormatError, _one_line
from ansible_collections.mlops.cloud.plugins.module_utils.paging import ListShape, PagedList

# The API's own spelling, SUCCESSED included.
EXPORT_TASK_STATES = ('INIT', 'RUNNING', 'SUCCESSED', 'FAILED')
TERMINAL_STATES = ('SUCCESSED', 'FAILED')
EXPORT_TYPES = (0, 1, 2, 3)

EXPORT_TASK_LIST = ListShape('export task list', 'export_tasks', 'total_count', 'task_id', state_key='status')


def _tasks_path(project_id, dataset_id):
    return '/v2/%s/datasets/%s/export-tasks' % (
        path_segment(project_id, 'project_id'), path_segment(dataset_id, 'dataset_id'))


class ExportTaskApi(PagedList):
    """Export tasks of one dataset, over an authenticated ``Connection``."""

    SHAPE = EXPORT_TASK_LIST

    def __init__(self, connection, dataset_id, export_type=None):
        self._connection = connection
        self.dataset_id = dataset_id
        self.export_type = export_type

    def _fetch(self, offset, limit):
        connection = self._connection
        query = {'limit': limit, 'offset': offset, 'export_type': self.export_type}
        return connection.client.get(connection.modelarts_endpoint,
                                     _tasks_path(connection.project_id, self.dataset_id), query=query,
                                     action='List export tasks of dataset %s (page %d)' % (self.dataset_id, offset))

    def get(self, task_id):
        connection = self._connection
        body = connection.client.get(
            connection.modelarts_endpoint,
            '%s/%s' % (_tasks_path(connection.project_id, self.dataset_id), path_segment(task_id, 'task_id')),
            action='Get export task %s of dataset %s' % (task_id, self.dataset_id))
        if not isinstance(body, dict) or not body.get('task_id') or not isinstance(body.get('status'), str):
            raise ResponseFormatError('The export task answer for %s has no "task_id" or "status"' % task_id)
        return body


def is_terminal(task):
    return task.get('status') in TERMINAL_STATES


def count_by_status(tasks):
    """Each of the four states -> how many of ``tasks`` are in it (all keys present)."""
    counts = dict((state, 0) for state in EXPORT_TASK_STATES)
    for task in tasks:
        if task.get('status') in counts:
            counts[task['status']] += 1
    return counts


def describe_unfinished(tasks):
    """``id (STATUS, 42.0%)`` for each task not yet terminal."""
    return ', '.join('%s (%s, %s%%)' % (task.get('task_id'), task.get('status'), task.get('progress', 0))
                     for task in tasks if not is_terminal(task))


def describe_state(task):
    """``FAILED (ModelArts.4358: Invalid export path)``, ``RUNNING (42.5%)`` or ``SUCCESSED``."""
    status = task.get('status')
    if status == 'FAILED':
        return 'FAILED (%s: %s)' % (_one_line(task.get('error_code')) or 'no error code',
                                    _one_line(task.get('error_msg')) or 'no error message')
    if status in TERMINAL_STATES:
        return status
    return '%s (%s%%)' % (status, task.get('progress', 0))


def not_in_states(tasks, states):
    return [task for task in tasks if task.get('status') not in states]


def describe_unmet_requirement(dataset_id, tasks, required):
    """One line naming each of ``tasks`` (those not in a ``required`` state) with its state."""
    # Failed tasks first: their error is why the requirement cannot be met, and a long line may be cut.
    failed_first = sorted(tasks, key=lambda task: task.get('status') != 'FAILED')
    named = '; '.join('export task %s of dataset %s is %s' % (task.get('task_id'), dataset_id, describe_state(task))
                      for task in failed_first)
    return '%s%s; required: %s' % (named[:1].upper(), named[1:], ' or '.join(required))
