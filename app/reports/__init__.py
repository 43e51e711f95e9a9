"""The lender's income verification report: figures, chart, HTML and PDF renderings."""
