#!/usr/bin/env python
import os
import sys
from pathlib import Path


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    # A local checkout's .env (written by `make run`) for manage.py commands; the web server's
    # WSGI application never reads it (cms/settings.py). CARELEAF_ENV_FILE= (empty) reads none.
    local_env = Path(__file__).resolve().parent / ".env"
    if local_env.is_file():
        os.environ.setdefault("CARELEAF_ENV_FILE", str(local_env))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
