"""Settings, read from environment variables; every one has a working default.

The readers in config/env.py fail loudly on malformed values: a typo in a deployment should
stop the server at start, not surface as odd behaviour later. README lists every variable.
Only plain values live here: the apps build their own limits (kernels/apps.py for the kernels'
PLAYGROUND_*, sharing/apps.py for PLAYGROUND_SNIPPET_*), so settings import no app module.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import Any

from config.env import env_bool, env_int, env_list, env_networks, env_str

BASE_DIR = Path(__file__).resolve().parent.parent


def private_dir(path: Path) -> None:
    """Create a folder only its owner can enter (it holds the secret key and the database).

    A folder that already exists is left as it is: it may be one the operator chose and shares."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def private_sqlite_file(sqlite_path: str) -> None:
    """Create the SQLite file readable by its owner only, before SQLite would create it with the
    umask's mode (0644: every local user could read the sessions); tighten an older one."""
    if sqlite_path == ":memory:" or sqlite_path.startswith("file:"):
        return
    path = Path(sqlite_path)
    private_dir(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # an empty file is an empty database
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)


def persistent_secret_key(data_dir: Path) -> str:
    """A key generated on first start and kept in the data folder, outside the repository."""
    path = data_dir / "secret_key"
    if not path.exists():
        private_dir(data_dir)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def database_from_env(sqlite_path: str) -> dict[str, Any]:
    """DATABASE_URL (postgres://user:password@host:port/name) when set; SQLite otherwise."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        private_sqlite_file(sqlite_path)
        # WAL with synchronous=NORMAL: a commit no longer waits for the disk twice, and readers
        # never wait for a writer (a class of 50 joining at once was ~40 % SQLite commits);
        # IMMEDIATE transactions take the write lock up front, so two never deadlock upgrading.
        options = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": sqlite_path, "OPTIONS": options}
    import dj_database_url

    try:
        database = dj_database_url.parse(url, conn_health_checks=True)
    except ValueError as exc:  # the message names the scheme, never the password
        raise ValueError(f"DATABASE_URL is not a database URL Django can use: {exc}") from None
    if database["ENGINE"] == "django.db.backends.postgresql":
        # Django advises against persistent connections under ASGI; a pool saves the connection
        # set-up (TCP + SCRAM authentication, ~10 ms a request measured) without them.
        database.setdefault("OPTIONS", {})["pool"] = True
    return dict(database)


DATA_DIR = Path(env_str("PLAYGROUND_DATA_DIR", str(Path.home() / ".local" / "share" / "tf-playground")))
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or persistent_secret_key(DATA_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Proxies whose X-Forwarded-For is believed (playground/clients.py); uvicorn is started with the
# same list (Makefile). Empty: the client's address is the socket's, whatever headers say.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
# An IPv6 client is counted by its network for every per-address limit (playground/clients.py).
PLAYGROUND_IPV6_PREFIX = env_int("PLAYGROUND_IPV6_PREFIX", 64)
if not 1 <= PLAYGROUND_IPV6_PREFIX <= 128:
    raise ValueError(f"PLAYGROUND_IPV6_PREFIX must be 1 to 128, got {PLAYGROUND_IPV6_PREFIX}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "kernels",
    "playground",
    "sharing",
    "scratch",
    "classroom",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "playground.headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the browser's language, or the switcher's cookie
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "playground.views.hint_sentences",
            ],
        },
    },
]

DATABASES = {"default": database_from_env(env_str("SQLITE_PATH", str(DATA_DIR / "db.sqlite3")))}

MIN_CHANNEL_LAYER_KEY_CHARS = 32  # a guessed key is a cluster taken over


def channel_layer_keys(secret_key: str) -> list[str]:
    """The keys that seal channel-layer messages when scaled out: CHANNEL_LAYER_KEY, comma-separated
    (the first seals, every one opens: rotate by putting the new key first), or, unset, one
    derived from SECRET_KEY as HMAC-SHA256(SECRET_KEY, "channel-layer"), so that SECRET_KEY
    itself keys nothing but Django and every process that shares SECRET_KEY agrees."""
    import hashlib
    import hmac

    keys = env_list("CHANNEL_LAYER_KEY", "")
    if any(len(key) < MIN_CHANNEL_LAYER_KEY_CHARS for key in keys):
        raise ValueError(
            f"CHANNEL_LAYER_KEY: each key needs at least {MIN_CHANNEL_LAYER_KEY_CHARS} characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(32))' makes one)"
        )
    return keys or [hmac.new(secret_key.encode(), b"channel-layer", hashlib.sha256).hexdigest()]


# The embedded default: one process, in-memory layer. With REDIS_URL, web processes and kernel
# hosts (`manage.py kernelhost`) talk through Redis. Capacity is per channel: a run streams many
# small messages, and a slow browser must not make the kernel host's sends fail.
# REDIS_URL carries Redis's password; on top of it every channel-layer message is sealed with
# CHANNEL_LAYER_KEY, so a kernel host acts only on what a web process wrote and a websocket shows
# only what a kernel host wrote (docs/deployment.md, "Securing Redis").
REDIS_URL = env_str("REDIS_URL", "")
CHANNEL_LAYER_KEYS = channel_layer_keys(SECRET_KEY) if REDIS_URL else []
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "kernels.redis_layer.ResilientRedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "capacity": 5000,
                "expiry": 120,
                "prefix": "playground",
                "symmetric_encryption_keys": CHANNEL_LAYER_KEYS,
            },
        }
    }
    # Rate limits and other cached counts must be shared by every web process.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "kernels.local_layer.LocalChannelLayer",
            "CONFIG": {"capacity": 5000, "expiry": 120},
        }
    }

# Prometheus metrics of the web process on a port of their own (playground/metrics.py); 0: off.
PLAYGROUND_METRICS_PORT = env_int("PLAYGROUND_METRICS_PORT", 0)
PLAYGROUND_METRICS_ADDRESS = env_str("PLAYGROUND_METRICS_ADDRESS", "127.0.0.1")
PLAYGROUND_EMBEDDED_KERNELHOST = env_bool("PLAYGROUND_EMBEDDED_KERNELHOST", not REDIS_URL)
PLAYGROUND_KERNELHOST_CHANNEL = env_str("PLAYGROUND_KERNELHOST_CHANNEL", "kernelhost")

# Each API endpoint checks its own, smaller limit on Content-Length before reading a body and
# answers a JSON 413 (playground/edge.py); this is only the ceiling of what Django will read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Bodies that far are held in memory, not spilled to a temporary file on disk (whose writes the
# database's commits then wait behind): the edge has bounded them before they are read.
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if SESSION_COOKIE_SECURE:
    # The __Host- prefix: a browser accepts such a cookie only from this very host, over HTTPS,
    # for the whole site. A sibling subdomain can then plant none ("cookie tossing": an
    # attacker's own, issued session key set in a victim's browser would put the victim's work
    # in a kernel the attacker can reach; the issued-key check cannot tell).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Headers (README, "Security"). HSTS only where the site is served over HTTPS, which is what
# SECURE_COOKIES says; Django sends it on HTTPS requests only.
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if SESSION_COOKIE_SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # links out never carry a snippet's or session's address
X_FRAME_OPTIONS = "DENY"  # except the /e/ embeds (sharing/views.py), made to be framed
# No inline script or style anywhere: the page's code is in static/ and its data in
# <script type="application/json"> blocks. Figures are data: images. The websocket's ws:/wss:
# address is added per request (playground/headers.py). /e/ embeds may be framed by anyone.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Failed admin logins per client address and window, then 429 (config/admin_login.py).
ADMIN_LOGIN_FAILURES = env_int("PLAYGROUND_ADMIN_LOGIN_FAILURES", 5)
ADMIN_LOGIN_WINDOW_S = env_int("PLAYGROUND_ADMIN_LOGIN_WINDOW_S", 900)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]  # compiled .mo files are committed: no gettext needed at run time
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env_str("STATIC_ROOT", "") or None  # set it (and run collectstatic) behind a proxy
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True  # serve straight from static/ so `make serve` needs no collectstatic

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
