"""FIXED(2.675,2) was "2.67" and FIXED(1.005,2) "1.00", while ROUND(2.675,2) is 2.68.

Microsoft's FIXED page: FIXED "Rounds a number to the specified number of decimals,
formats the number in decimal format using a period and commas, and returns the result
as text"; Excel's ROUND(2.675,2) is 2.68 and ROUND(1.005,2) is 1.01 (halves away from
zero on the decimal the cell shows), so FIXED gives "2.68" and "1.01". DOLLAR, TEXT and
ROUND already agreed.
"""

from _book import show

show(
    {"A1": "=FIXED(2.675,2)", "A2": "=FIXED(1.005,2)", "A3": "=FIXED(0.285,2)", "A4": "=FIXED(-1234.565,2)",
     "A5": "=FIXED(2.675,2,TRUE)", "A6": '=TEXT(2.675,"0.00")'},
    {"A1": "2.68", "A2": "1.01", "A3": "0.29", "A4": "-1,234.57", "A5": "2.68", "A6": "2.68"},
)
