# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of every lookup: the module's data source, run in the controller's process.

A lookup takes the same options as its module, checked by the same argument spec
(``ArgumentSpecValidator`` is what ``AnsibleModule`` uses, so types, choices and
exclusions fail with the same words) and the same checks before any request.
Connection options may also come from ``mlops_cloud_<option>`` variables; the
environment and ``clouds.yaml`` are read by ``ConnectionSettings`` as for modules.

Lookups have no ``no_log``: every error and warning passes through the run's
``Redactor``, which knows each secret the moment it exists (options, variables,
the environment, clouds.yaml, and the IAM tokens obtained), in every spelling.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.mlops.cloud.plugins.module_utils.client import HAS_REQUESTS
from ansible_collections.mlops.cloud.plugins.module_utils.connection import (
    connection_argument_spec,
    open_connection,
)
from ansible_collections.mlops.cloud.plugins.module_utils.errors import ModelArtsError
from ansible_collections.mlops.cloud.plugins.module_utils.info_query import (
    InfoQuery,
    info_argument_spec,
    info_constraints,
    validate_info_params,
)
from ansible_collections.mlops.cloud.plugins.module_utils.redaction import Redactor

display = Display()

VARIABLE_PREFIX = 'mlops_cloud_'
# Waiting is a task's job (a module with wait, or until/retries): a lookup answers at once.
MODULE_ONLY_OPTIONS = ('wait', 'wait_timeout', 'wait_sleep')


def _is_omit(value, variables):
    """``default(omit)`` in a ``mlops_cloud_*`` variable before ansible-core 2.19: the option is not set.

    Before 2.19 omit is a token string (the ``omit`` variable); since, templating it raises
    ``AnsibleValueOmittedError`` (see ``_params``)."""
    omit = variables.get('omit')
    if omit is not None and isinstance(omit, str) and value == omit:
        return True
    return isinstance(value, str) and value.startswith('__omit_place_holder__')


def _plain(value):
    """``value`` with Ansible's string types (AnsibleUnicode, tagged or unsafe text) made plain ``str``,
    so that the validator reports and converts them exactly as it does a module's arguments."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return dict((_plain(key), _plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


class ModelArtsLookup(LookupBase):
    """``RESOURCE`` makes a lookup; it returns the list the module returns under the resource's list key."""

    RESOURCE = None

    def run(self, terms, variables=None, **kwargs):
        redactor = Redactor()
        connection = None
        try:
            params = self._params(terms, variables or {}, kwargs, redactor)
            if not HAS_REQUESTS:
                raise AnsibleLookupError('This lookup needs the Python library requests on the controller '
                                         '(the Python that runs ansible-playbook)')
            started = time.monotonic()
            connection = open_connection(params, redactor, lambda message: display.warning(redactor.scrub(message)),
                                         started)
            result = InfoQuery(self.RESOURCE, params, connection, started).gather()
            return result[self.RESOURCE.list_key]
        except ModelArtsError as exc:
            raise AnsibleLookupError(redactor.scrub(str(exc)))
        finally:
            if connection is not None:
                connection.close()

    def _spec(self):
        spec = info_argument_spec(self.RESOURCE)
        for option in MODULE_ONLY_OPTIONS:
            spec.pop(option, None)
        spec.update(connection_argument_spec())
        return spec

    def _params(self, terms, variables, kwargs, redactor):
        """Options from keyword arguments, then ``mlops_cloud_*`` variables, checked like a module's."""
        spec = self._spec()
        given = _plain(kwargs)
        for option, definition in spec.items():
            if definition.get('no_log') and isinstance(given.get(option), str):
                redactor.add(given[option])
        if len(terms) > 1:
            raise AnsibleLookupError('Give at most one term (the %s); got %d' % (self._term_option(), len(terms)))
        if terms:
            if self._term_option() in given:
                raise AnsibleLookupError('Give the %s as the term or as %s=, not both' % (
                    self._term_option(), self._term_option()))
            given[self._term_option()] = _plain(terms[0])
        for option in connection_argument_spec():
            name = VARIABLE_PREFIX + option
            if option not in given and variables.get(name) is not None:
                try:
                    value = self._templar.template(variables[name])
                except AnsibleError as exc:
                    # ansible-core 2.19 and later raise AnsibleValueOmittedError for default(omit).
                    if type(exc).__name__ == 'AnsibleValueOmittedError':
                        continue
                    raise
                if _is_omit(value, variables):
                    continue
                value = _plain(value)
                if spec[option].get('no_log') and isinstance(value, str):
                    redactor.add(value)
                given[option] = value
        result = ArgumentSpecValidator(spec, **info_constraints(self.RESOURCE)).validate(given)
        if result.error_messages:
            # The first error, in AnsibleModule's words; they name options, never values.
            message = result.error_messages[0]
            if isinstance(result.errors.errors[0], UnsupportedError):
                message = 'Unsupported parameters for lookup %s: %s' % (self._name(), message)
            raise AnsibleLookupError(redactor.scrub(message))
        params = result.validated_parameters
        problem = validate_info_params(self.RESOURCE, params)
        if problem:
            raise AnsibleLookupError(problem)
        return params

    def _name(self):
        return getattr(self, 'ansible_name', None) or type(self).__module__.rsplit('.', 1)[-1]

    def _term_option(self):
        resource = self.RESOURCE
        return resource.parent.id_key if resource.parent is not None else resource.id_key
