# Production image: gunicorn web, Celery worker and beat share it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/app/.venv UV_COMPILE_BYTECODE=1 \
    PATH=/app/.venv/bin:$PATH
# OpenCV (headless) and MediaPipe need these shared libraries at run time. manage.py backup and
# restore need pg_dump/pg_restore at the server's major version or newer: compose runs PostgreSQL
# 16 and Debian bookworm ships 15, so the client comes from the PostgreSQL project's repository.
ARG PG_CLIENT_VERSION=16
RUN apt-get update && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
       ca-certificates postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends postgresql-client-${PG_CLIENT_VERSION} \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv==0.13.9 \
    && useradd --create-home --uid 1000 clinic

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN SECRET_KEY=collectstatic-only STRIDE_VAR_DIR=/tmp/var python manage.py collectstatic --noinput \
    && mkdir -p /data/media && chown -R clinic:clinic /data /app
USER clinic
EXPOSE 8000
CMD ["gunicorn", "clinic.wsgi", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--timeout", "120", "--preload", "--access-logfile", "-"]
