"""Reference classifications shipped with SMP Atlas: ISCO-08, ESCO, shortage lists, regulated professions.

The data files and their provenance are in ``smpatlas/data/reference/`` (see PROVENANCE.md there).
"""
