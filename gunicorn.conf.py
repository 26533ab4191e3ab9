"""gunicorn settings for every way the site is served (Procfile.embedded, Dockerfile,
loadtest/run.py): gunicorn reads ./gunicorn.conf.py from the folder it starts in, and the first
two name it. Command-line flags (bind, workers, threads) still decide the rest.
https://docs.gunicorn.org/en/stable/settings.html
"""

from gunicorn.http import wsgi

# Access-log lines without query strings (patient-name searches) or link credentials
# (invitation, password reset, calendar feed): clinic/access_log.py.
logger_class = "clinic.access_log.AccessLogger"

# No "Server: gunicorn" banner (issue 18, OWASP ASVS 5.0 V13.4.6). gunicorn has no setting for
# it and writes the line itself, after the application's headers, so its response leaves it out.
_gunicorn_default_headers = wsgi.Response.default_headers


def _default_headers_without_server(self: wsgi.Response) -> list[str]:
    return [line for line in _gunicorn_default_headers(self) if not line.lower().startswith("server:")]


wsgi.Response.default_headers = _default_headers_without_server  # type: ignore[method-assign]  # deliberate patch: no Server header
