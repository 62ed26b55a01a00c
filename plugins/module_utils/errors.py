# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The exceptions module_utils raise; a module turns any of them into one fail_json line."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.cloud.plugins.module_utils.redaction import clip

# How much of one server-provided text (an error message, a body) a message quotes; codes and ids are shorter.
MAX_SERVER_TEXT = 500
MAX_SERVER_CODE = 100


class ModelArtsError(Exception):
    """Base class: its ``str()`` is the whole user-facing message, one line, no secret."""


class ConfigurationError(ModelArtsError):
    """The options cannot work together (caught before any HTTP request)."""


class TransportError(ModelArtsError):
    """No usable HTTP answer: DNS, refused connection, TLS, timeout."""


class TimeBoundError(ModelArtsError):
    """The run's time bound (``wait_timeout``, or the one derived from ``timeout`` and ``max_retries``) ran out."""


class InterruptedRunError(ModelArtsError):
    """SIGINT or SIGTERM arrived: pending requests were cancelled."""


class ResponseFormatError(ModelArtsError):
    """An answer that is not the JSON document the API documents."""


class IncompleteResultError(ModelArtsError):
    """Paging could not establish that every task was collected exactly once."""


class ResultTooLargeError(ModelArtsError):
    """The answers of a run would keep more bytes or items than ``max_result_mb`` / ``max_items`` allow."""


class DatasetNameError(ModelArtsError):
    """A dataset name that names no dataset, or more than one."""


class WaitTimeoutError(ModelArtsError):
    """Tasks still not terminal when ``wait_timeout`` ran out."""


class RequiredStatusError(ModelArtsError):
    """Selected tasks not in a state ``require_status`` allows."""


class ApiError(ModelArtsError):
    """An HTTP error answer from IAM or ModelArts."""

    def __init__(self, action, status, error_code=None, error_msg=None, request_id=None, retry_after=None):
        self.action = action
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.request_id = request_id
        self.retry_after = retry_after
        self.hint = None
        super(ApiError, self).__init__(self._format())

    def add_hint(self, hint):
        """Append what the user can do about it, keeping the message one line."""
        self.hint = hint
        self.args = (self._format(),)

    def _format(self):
        parts = ['%s failed: HTTP %s' % (self.action, self.status)]
        # Every part comes from the server: scrubbed of the run's secrets, then on one line and cut (clip).
        parts.append('error code %s' % (clip(self.error_code, MAX_SERVER_CODE) or 'none'))
        parts.append('message: %s' % (clip(self.error_msg, MAX_SERVER_TEXT) or 'none'))
        parts.append('request id %s' % (clip(self.request_id, MAX_SERVER_CODE) or 'none'))
        text = ', '.join(parts)
        return '%s; %s' % (text, self.hint) if self.hint else text


class AuthenticationError(ApiError):
    """HTTP 401: credentials, token or signature rejected."""
