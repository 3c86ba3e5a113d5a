"""Running the background worker inside a test."""

from unittest import mock

from django.core.management import call_command


def run_worker() -> None:
    """Run the tasks that are due, as `manage.py run_worker --batch` does, inside the test's
    transaction. The worker closes "old" connections between tasks, as Django does between
    requests: inside a test's transaction (autocommit off) PostgreSQL's would count as old and be
    closed, so that is left out here, as Django's test client leaves it out of requests."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("run_worker", "--batch", verbosity=0)
