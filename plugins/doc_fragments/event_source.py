# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The options every event source of extensions/eda/ takes besides its O(status) and the connection options
    (see plugins/plugin_utils/event_source.py, source_argument_spec)."""

    DOCUMENTATION = r'''
options:
  dataset_id:
    description: The dataset to watch. Neither O(dataset_id) nor O(dataset_name) watches every dataset.
    type: str
  dataset_name:
    description: The dataset to watch, by its exact name (resolved once, at start).
    type: str
  interval:
    description: Seconds between polls, 1 to 3600.
    type: int
    default: 30
  full_scan_interval:
    description:
      - Seconds between full scans (every dataset's items listed), from O(interval) to 86400. An item that starts
        and finishes between two polls is reported by the next full scan.
    type: int
    default: 300
  emit_existing:
    description: Emit an event at start for every item already in one of the O(status) states.
    type: bool
    default: false
'''
