"""DATEDIF(start, end, "d") came out #NUM! while "D", "y", "ym", "md" worked.

Excel reads the unit in any case: Microsoft's DATEDIF page lists "Y", "M", "D", "MD",
"YM", "YD"; Excel-saved workbooks in the corpus use "y", "ym" and "md" in lower case
(PhpSpreadsheet issue.4312c.xlsx). 2024-01-01 → 2024-03-15 is 31 + 29 + 14 = 74 days.
"""

from _book import show

show(
    {"A1": '=DATEDIF(DATE(2024,1,1),DATE(2024,3,15),"d")', "A2": '=DATEDIF(DATE(2024,1,1),DATE(2024,3,15),"D")'},
    {"A1": 74.0, "A2": 74.0},
)
