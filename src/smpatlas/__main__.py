"""``python -m smpatlas`` runs the command line."""

from smpatlas.cli.app import entrypoint

entrypoint()
