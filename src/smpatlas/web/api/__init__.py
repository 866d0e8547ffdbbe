"""The JSON API under ``/api/v1``: one router per resource, assembled in :mod:`.main`."""
