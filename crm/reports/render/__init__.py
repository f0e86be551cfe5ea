"""A report made visible: SVG charts, and the CSV, XLSX and JSON files of its figures."""
