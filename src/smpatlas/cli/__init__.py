"""The ``smpatlas`` command line: a thin shell over the library.

Each command lives in its own module and only parses options, calls library
functions and prints their results; user errors are rendered by
:func:`smpatlas.cli.common.run`.
"""
