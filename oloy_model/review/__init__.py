"""Checking the model against what happened: error measures, evaluation, calibration,
re-basing, decomposition, the 2010-2020 back-test and the official figures beside the model.
Imports from the layers below (not ``reporting``).
"""
