"""One request to a running emulator's admin API (``/_emulator/NAME``), for the CLI and the test tools."""

import json
from urllib.request import Request, urlopen


def admin(url, name, body=None, timeout=30):
    """POST ``body`` as JSON to ``URL/_emulator/NAME``, or GET it without a body; return the answer's JSON.

    HTTP errors raise ``urllib.error.HTTPError``, connection failures ``URLError``/``OSError``.
    """
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = Request("%s/_emulator/%s" % (url.rstrip("/"), name), data=data,
                      headers={"Content-Type": "application/json"}, method="GET" if data is None else "POST")
    with urlopen(request, timeout=timeout) as answer:
        text = answer.read().decode("utf-8")
    return json.loads(text) if text.strip() else None
