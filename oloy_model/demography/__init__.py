"""The population model: graduation, life tables, mortality, fertility and migration
assumptions, the cohort-component kernel (``ccmpp``), the census base, the local estimates, the
anchoring to official figures and ``project``. Imports only from ``base``.
"""
