"""A deleted image's file goes with it, once the deletion is committed (a rolled-back deletion
keeps its file). Nothing else removes files from the storage."""

from django.db import transaction


def delete_file(sender, instance, **kwargs):
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
