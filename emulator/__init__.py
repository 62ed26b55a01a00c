"""Local emulator of the Huawei Cloud / Open Telekom Cloud IAM and ModelArts endpoints.

Run ``python -m emulator serve`` (foreground) or ``python -m emulator start/stop --state-dir DIR``
(background). See README.md in this directory.
"""
