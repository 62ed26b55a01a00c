# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dataset API: list (one page or all), one dataset, and a dataset's id from its name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.cloud.plugins.module_utils.client import path_segment
from ansible_collections.mlops.cloud.plugins.module_utils.errors import DatasetNameError, ResponseFormatError
from ansible_collections.mlops.cloud.plugins.module_utils.paging import ListShape, PagedList

# querying_the_dataset_list.rst: image classification, object detection, image segmentation, text
# classification, named entity recognition, text triplet, sound classification, speech content,
# speech paragraph labeling, table, video, custom format.
DATASET_TYPES = (0, 1, 3, 100, 101, 102, 200, 201, 202, 400, 600, 900)
# Auto labeling, pre-labeling, export, version switch, manifest export, manifest import,
# version publishing, auto grouping.
RUNNING_TASK_TYPES = (0, 1, 2, 3, 4, 5, 6, 7)

# Like the export task list, the dataset list's ``offset`` is a page index ("start page").
DATASET_LIST = ListShape('dataset list', 'datasets', 'total_number', 'dataset_id')

# Module option -> query parameter of the list API (the names are the API's own).
LIST_FILTERS = ('search_content', 'dataset_type', 'support_export', 'workspace_id',
                'check_running_task', 'running_task_type')
DETAIL_FILTERS = ('check_running_task', 'running_task_type')


def _query_value(value):
    # The API takes booleans as true/false, as in its examples.
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return value


def _datasets_path(project_id):
    return '/v2/%s/datasets' % path_segment(project_id, 'project_id')


class DatasetApi(PagedList):
    """Datasets of the connection's project; ``filters`` are query parameters of the list API."""

    SHAPE = DATASET_LIST

    def __init__(self, connection, filters=None):
        self._connection = connection
        self.filters = dict((key, _query_value(value)) for key, value in (filters or {}).items()
                            if value is not None)

    def _fetch(self, offset, limit):
        connection = self._connection
        query = dict(self.filters, limit=limit, offset=offset)
        return connection.client.get(connection.modelarts_endpoint, _datasets_path(connection.project_id),
                                     query=query, action='List datasets (page %d)' % offset)

    def get(self, dataset_id):
        """One dataset by id; only the detail API's own query parameters of ``filters`` are sent."""
        connection = self._connection
        query = dict((key, value) for key, value in self.filters.items() if key in DETAIL_FILTERS)
        body = connection.client.get(
            connection.modelarts_endpoint,
            '%s/%s' % (_datasets_path(connection.project_id), path_segment(dataset_id, 'dataset_id')), query=query,
            action='Get dataset %s' % dataset_id)
        if not isinstance(body, dict) or not body.get('dataset_id'):
            raise ResponseFormatError('The dataset answer for %s has no "dataset_id"' % dataset_id)
        return body


def exactly_named(datasets, name):
    """The datasets named exactly ``name``: the API's ``search_content`` is a fuzzy match."""
    return [dataset for dataset in datasets if dataset.get('dataset_name') == name]


def resolve_dataset_id(connection, name):
    """The id of the one dataset named ``name``; fails naming the problem when there is none or several."""
    matches = exactly_named(DatasetApi(connection, {'search_content': name}).list_all()[0], name)
    if not matches:
        raise DatasetNameError('No dataset named %s in project %s' % (name, connection.project_id))
    if len(matches) > 1:
        raise DatasetNameError('%d datasets are named %s: %s; use dataset_id' % (
            len(matches), name, ', '.join(dataset['dataset_id'] for dataset in matches)))
    return matches[0]['dataset_id']
