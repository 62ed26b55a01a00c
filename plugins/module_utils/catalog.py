# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ModelArts APIs this collection reads, each declared once (see ``resources``).

They differ on purpose, as the API reference describes them: export and import
tasks have string states, versions integer ones; versions page 1..1000 records
under ``versions``/``total_number``; every list takes ``offset`` as a page index.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.cloud.plugins.module_utils.resources import Resource, States

DATASET_TYPES = (0, 1, 3, 100, 101, 102, 200, 201, 202, 400, 600, 900)
RUNNING_TASK_TYPES = (0, 1, 2, 3, 4, 5, 6, 7)
EXPORT_TYPES = (0, 1, 2, 3)
VERSION_FORMATS = (0, 1, 2)

DATASETS = Resource(
    'dataset', 'datasets', '/v2/{project_id}/datasets', 'datasets', 'total_number', 'dataset_id',
    filters=dict(
        search_content=dict(type='str'),
        dataset_type=dict(type='int', choices=list(DATASET_TYPES)),
        support_export=dict(type='bool'),
        workspace_id=dict(type='str'),
        check_running_task=dict(type='bool'),
        running_task_type=dict(type='int', choices=list(RUNNING_TASK_TYPES)),
    ),
    detail_filters=('check_running_task', 'running_task_type'),
    name_key='dataset_name', name_filter='search_content',
    # The reference says total_number "cannot exceed 100": if the cloud caps it, read on past it.
    total_cap=100)

# The API's own spelling, SUCCESSED included.
EXPORT_TASK_STATES = States(
    'status', [(name, name) for name in ('INIT', 'RUNNING', 'SUCCESSED', 'FAILED')],
    terminal=('SUCCESSED', 'FAILED'), failed=('FAILED',), progress_key='progress',
    error_keys=('error_code', 'error_msg'))

EXPORT_TASKS = Resource(
    'export task', 'export tasks', '/v2/{project_id}/datasets/{parent_id}/export-tasks', 'export_tasks',
    'total_count', 'task_id', filters=dict(export_type=dict(type='int', choices=list(EXPORT_TYPES))),
    states=EXPORT_TASK_STATES, parent=DATASETS, short='export')

# Integer states; RUNNING is the API's word for a version that is ready to use. A version that
# cannot be used (deleted, or its release failed) is a failure; ``message`` holds the release's error.
VERSION_STATES = States(
    'status', [('CREATING', 0), ('RUNNING', 1), ('DELETING', 2), ('DELETED', 3), ('ERROR', 4)],
    terminal=('RUNNING', 'DELETED', 'ERROR'), failed=('DELETED', 'ERROR'), error_keys=('message',))

# The list's own status filter takes one state; ``status`` (several, by name) is applied after fetching.
DATASET_VERSIONS = Resource(
    'dataset version', 'dataset versions', '/v2/{project_id}/datasets/{parent_id}/versions', 'versions',
    'total_number', 'version_id', max_limit=1000, default_limit=1000,
    filters=dict(version_format=dict(type='int', choices=list(VERSION_FORMATS)),
                 train_evaluate_ratio=dict(type='str')),
    states=VERSION_STATES, parent=DATASETS, short='version')

IMPORT_TASK_STATES = States(
    'status', [(name, name) for name in ('QUEUING', 'STARTING', 'RUNNING', 'COMPLETED', 'FAILED', 'NOT_EXIST')],
    terminal=('COMPLETED', 'FAILED', 'NOT_EXIST'), failed=('FAILED', 'NOT_EXIST'),
    error_keys=('error_code', 'error_msg'))

IMPORT_TASKS = Resource(
    'import task', 'import tasks', '/v2/{project_id}/datasets/{parent_id}/import-tasks', 'import_tasks',
    'total_count', 'task_id', states=IMPORT_TASK_STATES, parent=DATASETS, short='import')

# What include= on datasets can fetch with each dataset.
DATASETS.children = (EXPORT_TASKS, DATASET_VERSIONS, IMPORT_TASKS)
