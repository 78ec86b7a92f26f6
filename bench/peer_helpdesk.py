"""django-helpdesk importing a mail folder with `get_email`, on SQLite, auto-replies on.

Runs inside django-helpdesk's own virtualenv (made by intake.py). Prints one JSON line:
{"seconds": ..., "tickets": ..., "followups": ..., "mails_sent": ...}.
"""

import json
import os
import sys
import time
from pathlib import Path

work = Path(sys.argv[1])
mail_dir = Path(sys.argv[2])
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
sys.path.insert(0, str(work))
(work / "bench_settings.py").write_text(
    f"""
SECRET_KEY = "bench"
DEBUG = False
USE_TZ = True
SITE_ID = 1
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.sites", "django.contrib.messages",
    "django.contrib.humanize", "rest_framework", "helpdesk",
]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3",
    "NAME": "{work / "helpdesk.db"}", "OPTIONS": {{"timeout": 30}}}}}}
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = "{work / "sent"}"
DEFAULT_FROM_EMAIL = "support@example.com"
TEMPLATES = [{{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [],
    "APP_DIRS": True, "OPTIONS": {{"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages"]}}}}]
ROOT_URLCONF = "bench_urls"
HELPDESK_ENABLE_ATTACHMENTS = True
HELPDESK_TEAMS_MODE_ENABLED = False
AUTH_USER_MODEL = "auth.User"
MEDIA_ROOT = "{work / "media"}"
LOGGING = {{"version": 1, "disable_existing_loggers": True}}
"""
)

(work / "bench_urls.py").write_text(
    "from django.urls import include, path\n"
    "urlpatterns = [path('helpdesk/', include('helpdesk.urls', namespace='helpdesk'))]\n"
)

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)
from helpdesk.email import process_email  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket  # noqa: E402

Queue.objects.get_or_create(
    slug="support",
    defaults={
        "title": "Support",
        "email_address": "support@example.com",
        "allow_email_submission": True,
        "email_box_type": "local",
        "email_box_local_dir": str(mail_dir),
        "email_box_interval": 0,
    },
)
started = time.perf_counter()
process_email(quiet=True)
seconds = time.perf_counter() - started
sent = work / "sent"
print(
    json.dumps(
        {
            "seconds": seconds,
            "tickets": Ticket.objects.count(),
            "followups": FollowUp.objects.count(),
            "mails_sent": len(list(sent.iterdir())) if sent.exists() else 0,
        }
    )
)
