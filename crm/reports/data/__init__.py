"""Reading the line-level data into pandas: a query as a DataFrame, London dates, calendar months, split values."""
