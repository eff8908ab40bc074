"""From population to places: demand (norm and uptake), the capacity ledger, gaps and plan
indicators (``Result``), build schedules and the care workforce. Imports from ``base`` and
``demography``.
"""
