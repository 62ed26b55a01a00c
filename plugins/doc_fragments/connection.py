# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mlops.cloud maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  cloud:
    description:
      - Name of a cloud profile in C(clouds.yaml), as used by C(openstack.cloud), C(opentelekomcloud.cloud)
        and the C(openstack) CLI. Credentials, region, project and endpoints are read from it.
      - The file is the first that exists of E(OS_CLIENT_CONFIG_FILE), C(./clouds.yaml) (in the directory the module
        runs in; with a local connection, the playbook's directory),
        C($XDG_CONFIG_HOME/openstack/clouds.yaml), C(~/.config/openstack/clouds.yaml) and
        C(/etc/openstack/clouds.yaml) (C(.yml) is accepted too); C(secure.yaml) in the same places
        (or E(OS_CLIENT_SECURE_FILE)) is merged over it.
      - "Profile keys used: C(auth.auth_url) (O(iam_endpoint); C(/v3) is added when the URL has no path),
        C(auth.username), C(auth.password), C(auth.user_domain_name) or C(auth.domain_name), C(auth.project_name),
        C(auth.project_id), C(auth.token), C(auth.ak) and C(auth.sk) (or C(access_key) and C(secret_key)),
        C(auth.security_token), C(auth_type) (V(aksk), V(password), V(token)), C(region_name),
        C(modelarts_endpoint_override), C(cacert), and C(cloud_domain). An AK/SK pair at the top level of
        the profile (C(ak), C(sk), as opentelekomcloud.cloud writes it) is used when the profile has no other credentials.
        C(auth.metadata_credentials) and C(auth.metadata_endpoint) select the ECS metadata keys; C(agency_name),
        C(agency_domain_name), C(agency_domain_id) and C(agency_duration), in C(auth) or at the top level of the
        profile, assume an agency."
      - The profile is taken whole, never completed from the environment. Options set explicitly that are not
        credentials override the profile's values; credentials given as options together with O(cloud) are an error.
        A profile without credentials is an error.
      - A profile that does not exist is an error naming the files searched.
      - Falls back to E(OS_CLOUD), unless the options hold credentials; E(OS_CLOUD) beside credentials of
        another family in the environment is an error.
    type: str
  access_key:
    description:
      - Access key ID (AK) for AK/SK authentication. Every request is signed with SDK-HMAC-SHA256.
      - Falls back to the E(OS_ACCESS_KEY), E(HW_ACCESS_KEY) or E(HUAWEICLOUD_SDK_AK) environment variable
        (one family at a time, see the notes).
      - Give O(access_key) and O(secret_key), or O(username) and O(password), or O(auth_token); only one method at a time.
    type: str
  secret_key:
    description:
      - Secret access key (SK) that goes with O(access_key).
      - Falls back to E(OS_SECRET_KEY), E(HW_SECRET_KEY) or E(HUAWEICLOUD_SDK_SK).
    type: str
  security_token:
    description:
      - Security token of temporary AK/SK credentials, sent as C(X-Security-Token).
      - Falls back to E(OS_SECURITY_TOKEN), E(HW_SECURITY_TOKEN) or E(HUAWEICLOUD_SDK_SECURITY_TOKEN).
    type: str
  username:
    description:
      - IAM user name for password authentication. An IAM token is requested for the project and sent as C(X-Auth-Token).
      - Falls back to E(OS_USERNAME) or E(HW_USER_NAME).
    type: str
  password:
    description:
      - Password of O(username).
      - Falls back to E(OS_PASSWORD) or E(HW_USER_PASSWORD).
    type: str
  domain_name:
    description:
      - Account (domain) name of O(username). Required with password authentication.
      - Falls back to E(OS_USER_DOMAIN_NAME), E(OS_DOMAIN_NAME) or E(HW_DOMAIN_NAME).
    type: str
  auth_token:
    description:
      - An IAM token obtained elsewhere, sent as C(X-Auth-Token) as it is. It cannot be renewed by the module.
      - Falls back to E(OS_AUTH_TOKEN) or E(HW_AUTH_TOKEN).
    type: str
  metadata_credentials:
    description:
      - Use the temporary AK/SK of the ECS this runs on, read from its metadata service (the ECS must have an
        agency). They sign every request with their security token, and are read again before they expire.
      - An authentication method of its own; together with other credentials it is an error, as for any two methods.
      - The metadata service is never contacted unless this is true.
      - Falls back to E(HW_METADATA_CREDENTIALS) (V(true) or V(false)), of the E(HW_*) family.
    type: bool
    default: false
  metadata_endpoint:
    description:
      - URL of the ECS metadata service, used with O(metadata_credentials). Defaults to C(http://169.254.169.254).
      - Its requests never go through a proxy, whatever E(http_proxy) or E(all_proxy) say, and follow no redirect.
        The session step (C(PUT /meta-data/latest/api/token)) is used when the service has it.
      - Falls back to E(HW_METADATA_ENDPOINT) when the credentials come from the E(HW_*) family.
    type: str
  agency_name:
    description:
      - Name of an agency (IAM C(assume_role)) to act through, created in another account (O(agency_domain_name) or
        O(agency_domain_id)) that trusts the account of the credentials. Works on top of every method.
      - With password or O(auth_token) credentials an agency token is obtained with the user's token (with a password,
        the user's token is scoped to the user's project named after O(region)); with AK/SK or O(metadata_credentials),
        temporary AK/SK of the agency. Either is renewed before it expires and once when a request is refused (401).
        O(project_id) and O(project_name) then name the delegating account's project.
      - An unknown agency, or one that does not trust the account, fails before any ModelArts request, naming the
        agency and its domain.
      - Falls back to E(HW_ASSUME_ROLE_AGENCY_NAME) when the credentials come from the E(HW_*) family.
    type: str
  agency_domain_name:
    description:
      - Name of the account (domain) that created O(agency_name). Set exactly one of O(agency_domain_name) and
        O(agency_domain_id) with O(agency_name).
      - Falls back to E(HW_ASSUME_ROLE_DOMAIN_NAME) when the credentials come from the E(HW_*) family.
    type: str
  agency_domain_id:
    description:
      - ID of the account (domain) that created O(agency_name), instead of O(agency_domain_name).
      - Falls back to E(HW_ASSUME_ROLE_DOMAIN_ID) when the credentials come from the E(HW_*) family.
    type: str
  agency_duration:
    description:
      - Seconds the agency token or temporary AK/SK are to last, from V(900) to V(86400). When not set, none is asked
        for and IAM's default applies (15 minutes for temporary AK/SK).
      - Falls back to E(HW_ASSUME_ROLE_DURATION) when the credentials come from the E(HW_*) family.
    type: int
  project_id:
    description:
      - ID of the project to work in. When not set it is taken from the IAM token (password authentication)
        or looked up by O(project_name) through IAM.
      - Falls back to E(OS_PROJECT_ID), E(HW_PROJECT_ID) or E(HUAWEICLOUD_SDK_PROJECT_ID), of the family the
        credentials come from.
    type: str
  project_name:
    description:
      - Name of the project to work in, used when O(project_id) is not set. Defaults to O(region).
      - Falls back to E(OS_PROJECT_NAME) or E(HW_PROJECT_NAME), of the family the credentials come from.
    type: str
  region:
    description:
      - Region, for example V(eu-de) (Open Telekom Cloud) or V(ap-southeast-1) (Huawei Cloud).
        Builds the default endpoints and the default O(project_name).
      - Falls back to E(OS_REGION_NAME) or E(HW_REGION_NAME), of the family the credentials come from
        (E(HUAWEICLOUD_SDK_AK) and its family have no region variable).
    type: str
  cloud_domain:
    description:
      - Domain suffix of the cloud's endpoints. The default V(otc.t-systems.com) is Open Telekom Cloud;
        use V(myhuaweicloud.com) for Huawei Cloud.
      - Falls back to E(HW_CLOUD) when the credentials come from the E(HW_*) family. When neither is set,
        V(otc.t-systems.com) is used.
    type: str
  modelarts_endpoint:
    description:
      - Full URL of the ModelArts endpoint. Defaults to C(https://modelarts.<region>.<cloud_domain>).
      - Credentials inside the URL (C(https://user:password@host)) are refused; an C(http://) endpoint on another
        machine than this one, or reached through a proxy from the environment (E(http_proxy), E(all_proxy), not
        bypassed by E(no_proxy)), is used with a warning, because credentials and tokens would cross the network in clear.
      - Redirects are never followed (they would carry the credentials elsewhere); a 3xx answer fails naming its target host.
    type: str
  iam_endpoint:
    description:
      - Full URL of the IAM endpoint including C(/v3), like E(OS_AUTH_URL).
        Defaults to C(https://iam.<region>.<cloud_domain>/v3).
      - Falls back to E(OS_AUTH_URL), E(HW_AUTH_URL) or E(HUAWEICLOUD_SDK_IAM_ENDPOINT), of the family the
        credentials come from.
      - The same rules as for O(modelarts_endpoint) apply.
    type: str
  validate_certs:
    description:
      - Verify the TLS certificates of the endpoints. Only turn this off for testing; the module warns when it is off.
    type: bool
    default: true
  ca_cert:
    description:
      - Path of a PEM file with the certificate authorities to trust, for endpoints behind a private CA.
      - The file must exist and be readable; this is checked before any request.
    type: path
  timeout:
    description:
      - Seconds each HTTP request attempt may take as a whole, from connecting to the last byte of the answer.
        A server that sends its answer slowly cannot stretch it.
      - Between V(1) and V(3600).
      - A run that does not wait ends within (O(max_retries) + 1) x (O(timeout) + 20) seconds, whatever the server
        does (250 seconds with the defaults); a module run with C(wait=true) ends within its C(wait_timeout).
      - Answers larger than 32 MiB after decompression are refused while they are read.
    type: int
    default: 30
  max_retries:
    description:
      - How many times a request is retried after HTTP 429, 500, 502, 503, 504, a dropped connection or a timeout,
        with capped, jittered exponential backoff that honours C(Retry-After) up to 20 seconds.
        V(0) disables retries; at most V(10).
    type: int
    default: 4
  max_concurrent_requests:
    description:
      - How many page requests may be in flight at once when every page of a list is fetched
        (the first page always comes alone, since it tells how many there are). From V(1) to V(32).
      - With the default, 1,000 tasks take two round trips and 10,000 tasks eight. Lower it if the cloud
        answers HTTP 429 often; throttled requests are retried after the time the cloud asks for.
    type: int
    default: 16
  max_result_mb:
    description:
      - The most MiB of answers one run keeps in memory (each poll of C(wait=true) counts anew), from V(1) to
        V(4096). Counted while answers are read, so a server cannot make a run hold more; a run that would keep more
        fails naming this option.
      - With the default, 64 MiB of answers (about 60,000 export tasks) take about 250 MB of memory in the module
        and as much again in the Ansible worker that receives the result.
    type: int
    default: 64
  max_items:
    description:
      - The most items (tasks, versions, datasets) one run keeps, from V(1) to V(10000000); each poll of
        C(wait=true) counts anew. A run that would keep more fails naming this option.
    type: int
    default: 100000
  token_cache:
    description:
      - Keep IAM tokens from password authentication between module runs, so that repeated runs ask IAM once
        per token lifetime. Tokens are stored in C($XDG_CACHE_HOME/mlops.cloud/tokens) (default C(~/.cache/...)),
        in files readable by the user only; a directory writable by other users, or owned by another user, is not used.
      - Agency tokens obtained with a password are cached the same way, for the user, the agency and the project.
        Temporary AK/SK are never cached.
      - A cached token is used only with the password that obtained it. The entry keeps a salted PBKDF2 hash of the
        password, never the password, so a wrong password is sent to IAM (and fails there) and a changed one takes
        effect at once.
    type: bool
    default: true
requirements:
  - python >= 3.8
  - requests
notes:
  - Set credentials for exactly one authentication method, from exactly one place, the first of - the options;
    the C(clouds.yaml) profile named by O(cloud); the environment, where exactly one family (E(OS_CLOUD), E(OS_*),
    E(HW_*) or E(HUAWEICLOUD_SDK_*)) may hold credentials. That place is taken whole - its endpoints, region and
    project go with its credentials, never completed from another family, so that a password never goes to an
    endpoint a leftover variable names. Two families in the environment fail naming the variables to unset; a
    variable of another family that is not used is named in a warning. Options that are not credentials always apply.
    Secrets are never logged or returned.
  - All modules of this collection belong to the action group C(mlops.cloud.modelarts),
    so shared options can be set once with C(module_defaults).
  - Credentials (options, environment variables, C(clouds.yaml) values) have surrounding whitespace such as a trailing
    newline removed. Any other control character, or in O(access_key), O(security_token) and O(auth_token) a character
    that cannot be sent in an HTTP header, fails the run naming the option (never the value) before any request.
  - Every secret, the IAM tokens the collection obtains itself included, is masked in results, errors and warnings,
    also where a server or proxy echoes it escaped (repr, JSON or percent-encoded).
  - Each attempt of a request ends within O(timeout) however the server sends its answer (a status line or headers
    trickled a byte at a time, C(100 Continue) answers without end, a slow body); a watchdog closes the connection
    when the attempt's time is up.
  - On SIGINT, SIGTERM or SIGHUP (Ctrl-C, a cancelled AWX or ansible-runner job), and when the reader of the
    module's result goes away (Ansible's task C(timeout), a killed worker), the run stops sending requests, cuts
    the ones in flight and ends at once, leaving no process behind.
'''

    # For lookups: each connection option may also come from the variable mlops_cloud_<option>
    # (a keyword argument wins over it), so that credentials are set once for a play, e.g. from a vault.
    PLUGINS = r'''
options:
  cloud:
    vars:
      - name: mlops_cloud_cloud
  metadata_credentials:
    vars:
      - name: mlops_cloud_metadata_credentials
  metadata_endpoint:
    vars:
      - name: mlops_cloud_metadata_endpoint
  agency_name:
    vars:
      - name: mlops_cloud_agency_name
  agency_domain_name:
    vars:
      - name: mlops_cloud_agency_domain_name
  agency_domain_id:
    vars:
      - name: mlops_cloud_agency_domain_id
  agency_duration:
    vars:
      - name: mlops_cloud_agency_duration
  access_key:
    vars:
      - name: mlops_cloud_access_key
  secret_key:
    vars:
      - name: mlops_cloud_secret_key
  security_token:
    vars:
      - name: mlops_cloud_security_token
  username:
    vars:
      - name: mlops_cloud_username
  password:
    vars:
      - name: mlops_cloud_password
  domain_name:
    vars:
      - name: mlops_cloud_domain_name
  auth_token:
    vars:
      - name: mlops_cloud_auth_token
  project_id:
    vars:
      - name: mlops_cloud_project_id
  project_name:
    vars:
      - name: mlops_cloud_project_name
  region:
    vars:
      - name: mlops_cloud_region
  cloud_domain:
    vars:
      - name: mlops_cloud_cloud_domain
  modelarts_endpoint:
    vars:
      - name: mlops_cloud_modelarts_endpoint
  iam_endpoint:
    vars:
      - name: mlops_cloud_iam_endpoint
  validate_certs:
    vars:
      - name: mlops_cloud_validate_certs
  ca_cert:
    vars:
      - name: mlops_cloud_ca_cert
  timeout:
    vars:
      - name: mlops_cloud_timeout
  max_retries:
    vars:
      - name: mlops_cloud_max_retries
  token_cache:
    vars:
      - name: mlops_cloud_token_cache
  max_concurrent_requests:
    vars:
      - name: mlops_cloud_max_concurrent_requests
  max_result_mb:
    vars:
      - name: mlops_cloud_max_result_mb
  max_items:
    vars:
      - name: mlops_cloud_max_items
'''
