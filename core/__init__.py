"""Shared foundations: settings, logging, the error tree, wire messages and key grammar.

`core` imports none of the project's other packages; every other package may import it.
"""
