# syntax=docker/dockerfile:1
# Image of the Huzhou craftsman subsidy portal (湖州工匠培育工程资助申报平台).
# One image for every process: web (gunicorn), Celery worker and Celery beat; docker-compose.yml picks the command.
#
#   docker build -t huzhou-craftsman .
#
# Two stages on the same base, so that the runtime image holds neither Node.js/npm nor gettext:
#   build    installs the Python packages into /opt/venv, the front-end assets with `npm ci`, compiles the
#            translations and collects the static files (hashed and compressed, served by WhiteNoise);
#   runtime  the base plus what the build produced, run as a non-root user.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- base: what the portal needs at run time ------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANG=C.UTF-8

# WeasyPrint (approval PDFs): Pango and HarfBuzz's subsetter (without libharfbuzz-subset0 a Chinese page takes
# ~18 s instead of ~0.25 s), and the Noto CJK fonts (Sans and Serif) for Chinese text.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-lxgw-wenkai \
    && rm -rf /var/lib/apt/lists/*

# --- build: Python packages, npm assets, compiled translations, collected static files ------------------------
FROM base AS build

# gettext for compilemessages, Node.js and npm for the self-hosted Bootstrap (no CDN).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext nodejs npm \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

COPY . .

# Settings refuse to import in production mode without SECRET_KEY and ALLOWED_HOSTS: give them throw-away
# values for these two commands only (they are not kept in the image). Production mode is needed so that
# collectstatic writes WhiteNoise's hashed, compressed manifest.
RUN PORTAL_PRODUCTION=1 \
    SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-0123 \
    ALLOWED_HOSTS=build.invalid \
    STATIC_ROOT=/app/var/staticfiles \
    sh -c 'python manage.py compilemessages --ignore=node_modules -v 0 \
        && python manage.py collectstatic --noinput -v 0'

# --- runtime ----------------------------------------------------------------------------------------------------
FROM base AS runtime

# A writable home: gunicorn (25.1+) puts its control socket in ~/.gunicorn/, fontconfig its cache in ~/.cache/.
ARG APP_UID=10001
RUN groupadd --system --gid ${APP_UID} app \
    && useradd --system --uid ${APP_UID} --gid app --home-dir /home/app --create-home --shell /usr/sbin/nologin app

COPY --from=build /opt/venv /opt/venv
# The source, node_modules (still named in STATICFILES_DIRS), the compiled .mo files and var/staticfiles.
COPY --from=build /app /app

# Uploaded materials and generated documents: the only place the portal writes. It must be a volume (see
# docker-compose.yml) and must never be served directly by a web server: files are private and are served
# only through permission-checking views. Static files stay inside the image (never a volume: a volume
# would keep the previous release's files after an upgrade).
RUN mkdir -p /app/var/media && chown app:app /app/var/media

ENV PATH=/opt/venv/bin:$PATH \
    HOME=/home/app \
    STATIC_ROOT=/app/var/staticfiles \
    MEDIA_ROOT=/app/var/media \
    GUNICORN_WORKERS=3 \
    GUNICORN_THREADS=4

WORKDIR /app
USER app
VOLUME ["/app/var/media"]
EXPOSE 8000

# Workers (processes) and threads per worker come from the environment; further gunicorn options can be
# given in GUNICORN_CMD_ARGS (read by gunicorn itself). Access and error logs go to stdout/stderr.
CMD ["sh", "-c", "exec gunicorn huzhou_craftsman.wsgi --bind 0.0.0.0:8000 --workers \"$GUNICORN_WORKERS\" --threads \"$GUNICORN_THREADS\" --worker-tmp-dir /dev/shm --access-logfile - --error-logfile -"]
