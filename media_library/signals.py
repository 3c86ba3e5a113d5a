"""Signals of the image library, for the layers above it."""

from django.dispatch import Signal

# Sent by media_library.renditions.make_renditions, in its transaction, when it made renditions
# of an image: anything showing the image can now offer them (api/receivers.py). Argument: image_id.
renditions_made = Signal()
