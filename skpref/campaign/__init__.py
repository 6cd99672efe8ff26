"""Labeling campaigns from the command line: ``skpref select`` and ``skpref status``.

A campaign has two files: a *pool* (every candidate pair, with its feature
row) and a *labels* CSV that annotators append to. The labels file is the
only state; the commands read it and never write it, so a crash or a rerun
loses nothing, and the same inputs and seed give the same next batch, byte
for byte. ``skpref select`` writes the next batch atomically (a temporary
file, then a rename); ``skpref status`` reports the labels so far, the pairs
still ambiguous and a cross-validated accuracy.

The file formats and every check are documented in :mod:`skpref.campaign._pool`
and :mod:`skpref.campaign._labels`; run ``skpref select --help``.
"""
