"""A number stored as text in a range ("85", as systems export it) was read as a number by
COUNT and SUMSQ (a wrong count and sum of squares in silence) and made MEDIAN, STDEV, VAR,
PERCENTILE, QUARTILE… #VALUE!; COUNT(A1:A6,"x") was #VALUE!.

Microsoft's COUNT page: "If an argument is an array or reference, only numbers in that
array or reference are counted. Empty cells, logical values, text, or error values in the
array or reference are not counted"; "Arguments that are error values or text that cannot
be translated into numbers are not counted." SUMSQ: "If an argument is an array or
reference, only numbers in that array or reference are counted." MEDIAN, STDEV, VAR: "If
an array or reference argument contains text, logical values, or empty cells, those values
are ignored." By hand over 90, "85", blank, 70, 60, 90: the numbers are 90, 70, 60, 90;
4 of them, squares 24,700, median 80, sample SD 15 (mean 77.5, squares of deviations
156.25 + 56.25 + 306.25 + 156.25 = 675, 675/3 = 225).
"""

from _book import show

cells = {"A1": 90, "A2": "85", "A4": 70, "A5": 60, "A6": 90,
         "B1": "=COUNT(A1:A6)", "B2": "=SUMSQ(A1:A6)", "B3": "=MEDIAN(A1:A6)", "B4": "=STDEV(A1:A6)",
         "B5": "=VAR.S(A1:A6)", "B6": "=PERCENTILE(A1:A6,0.5)", "B7": '=COUNT(A1:A6,"x",TRUE)', "B8": '=COUNT("85",A2)'}
show(cells, {"B1": 4.0, "B2": 24700.0, "B3": 80.0, "B4": 15.0, "B5": 225.0, "B6": 80.0, "B7": 5.0, "B8": 1.0})
