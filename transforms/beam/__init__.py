"""The thin Beam layer over the plain-Python core: the only package that imports apache_beam
(tests/test_architecture.py checks it)."""
