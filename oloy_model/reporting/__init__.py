"""What a planning office reads: summaries, figures, the report, the workbook and the
written outputs. The highest layer below the orchestrators and the command line.
"""
