"""The error every handler raises to answer with a JSON error body instead of a result."""


class ApiError(Exception):
    """An error answer: HTTP status, ``error_code``/``error_msg``, optional extra headers.

    ``body`` replaces the default ``{"error_code", "error_msg"}`` body where a service answers
    in another shape (IAM adds an ``error`` object).
    """

    def __init__(self, status, error_code, error_msg, headers=None, body=None):
        super(ApiError, self).__init__(error_msg)
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.headers = headers or {}
        self.body = body

    def to_body(self):
        if self.body is not None:
            return self.body
        return {"error_code": self.error_code, "error_msg": self.error_msg}
