# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print an IAM token from the emulator (password, project eu-de), for the raw-token (auth_token) cases."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import sys

from urllib.request import Request, urlopen


def main():
    body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': 'emulator-user', 'password': 'emulator-password', 'domain': {'name': 'emulator-domain'}}}},
        'scope': {'project': {'name': 'eu-de'}}}}
    request = Request(sys.argv[1] + '/v3/auth/tokens', data=json.dumps(body).encode('utf-8'),
                      headers={'Content-Type': 'application/json'}, method='POST')
    with urlopen(request, timeout=10) as answer:
        print(answer.headers['X-Subject-Token'])


if __name__ == '__main__':
    main()
