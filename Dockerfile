# Production image: gunicorn serving weekly.wsgi, static files through WhiteNoise.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext compiles the translations; the CJK fonts let matplotlib draw Chinese labels;
# git publishes weeks into wikis.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext fonts-noto-cjk git \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 weekly
WORKDIR /app

# XStatic-Bootstrap is an sdist whose setup.py imports pkg_resources: it only
# builds without build isolation, against setuptools<81.
COPY requirements.txt .
RUN pip install "setuptools<81" wheel \
    && pip install --no-build-isolation "$(grep -i '^xstatic-bootstrap==' requirements.txt)" \
    && pip install -r requirements.txt

COPY . .
# Settings refuse a short or published key when DEBUG is off; these build-time values
# exist only so collectstatic can import them and never reach the running image.
RUN DEBUG=0 ALLOWED_HOSTS=localhost \
    SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --noinput \
    && python manage.py compilemessages --ignore=.venv

# Exports and wiki checkouts; a volume in docker-compose.yml, shared by web and worker.
RUN mkdir -p /app/var && chown weekly /app/var
USER weekly
EXPOSE 8000
ENV GUNICORN_WORKERS=3
CMD ["sh", "-c", "exec gunicorn weekly.wsgi --bind 0.0.0.0:8000 --workers ${GUNICORN_WORKERS} --access-logfile -"]
