"""Reports (SPEC section 5): the metrics layer, the only part of Hearth that uses pandas.

One module per report in families/ (each figure's docstring its SPEC definition; registry.py names them, base.py
says what each provides), what they read in data/, how they are drawn and written in render/, the marketing
dashboard in marketing/; the pages, the command line and the drill-down here.
"""
