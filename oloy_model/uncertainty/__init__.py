"""Probabilistic projections: stochastic components and the ensemble (``simulate``).
Imports from ``base``, ``demography`` and ``planning``.
"""
