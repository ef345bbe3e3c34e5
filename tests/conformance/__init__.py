"""Differential conformance material: edge-case tables, document generators, Lucene-derived tables."""
