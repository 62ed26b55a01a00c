# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The selection options every stateful child of a dataset shares (export tasks, import tasks, versions),
    # in the modules and their lookups.
    DOCUMENTATION = r'''
options:
  latest:
    description:
      - Keep only the newest selected item (export task, import task or version) by C(create_time); of two
        created in the same millisecond, the first in the API's order.
      - Applied after every other filter (the server-side ones, O(status), O(created_after), O(created_before)), so
        V(true) with O(status=[SUCCESSED]) is the newest successful one (where to deploy from), and V(true) with
        O(require_status) is a gate on the newest one, whatever its state. With C(wait) (modules only) it waits for
        that item.
      - Every page is read to find it. Cannot be combined with the item's id option or O(offset).
      - An item without an integer C(create_time) fails the run (the server's answer is not what the API documents).
    type: bool
    default: false
  created_after:
    description:
      - Keep only the items created at or after this time, compared with C(create_time).
      - An ISO 8601 date-time with V(Z) or an offset (V(2026-12-06T08:00:00Z), V(2026-12-06T09:00:00+01:00)), or epoch
        milliseconds (V(1796544000000)) as the API writes C(create_time). A number that looks like epoch seconds is
        refused with a hint, and so is a date-time without a zone.
      - >-
        For example the time a pipeline started, C("{{ now(utc=true).isoformat() ~ 'Z' }}") saved in a fact: a
        gate on the exports this run created, not on older ones.
      - Cannot be combined with the item's id option.
    type: raw
  created_before:
    description:
      - Keep only the items created before this time (exclusive), in the formats of O(created_after).
      - With O(created_after), it must be later.
    type: raw
  allow_empty:
    description:
      - >-
        With O(require_status), an empty selection (no item at all, or none that the filters and O(latest) keep) fails
        the gate, naming what was selected, for example "No export task of dataset model-inputs (FZZvuHWPoSKF808Oawx)
        matched latest, export_type 3; required: SUCCESSED (allow_empty: true passes an empty selection)".
        "Nothing matched" is not "everything is fine".
      - V(true) lets an empty selection pass the gate, for a gate on "whatever is running now", where nothing
        running is fine.
    type: bool
    default: false
notes:
  - >-
    A gate (O(require_status)) that several items break fails with a message that counts them and names the first
    five (failed ones first) and how many more, under 1000 characters; the module returns every one in
    C(violations). The result still holds every return value.
  - >-
    A gate fails on an empty selection (no item at all, or none that the filters and O(latest) keep), naming what
    was selected, unless O(allow_empty=true).
  - >-
    The fail-safe gates select one item or a window, never "what is running now": O(latest=true) (the newest item
    must have reached the state), the item's id option (the one this play created) or O(created_after) (every item
    since the pipeline started).
'''
