"""Foundations every layer uses: errors, bundled-file access and checksums, user CSV checks,
atomic writes and safe names, the scenario schema and loader, the region hierarchy and the
official figures. Imports nothing from the layers above.
"""
