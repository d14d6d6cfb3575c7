"""Sharing: the fixture writer and safe importer, and the CSV, W3C Web Annotation and REFI-QDA writers.

`spec` describes, once, how every shared model is identified by natural keys; the fixture writer
(`fixture`) and the importer (`fixture_import`) both read it, so the two can never disagree.
"""
