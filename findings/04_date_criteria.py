"""COUNTIF(S)/SUMIF(S) with a date written in the criterion ("<3/1/2024", ">=2024-02-29")
compared it as text and counted nothing: 0 in silence.

Microsoft's COUNTIFS page, example 2: =COUNTIFS(B2:B5,"<6/1/2011"…) and
=COUNTIFS(A2:A7, "<5",B2:B7,"<3/1/2011") count the rows "that contain dates that are
earlier than 3/1/2011": a date (or time) in a criterion is its serial number. By hand, of
2024-01-31, 2024-02-29, 2023-12-31, 2024-03-01, 2024-05-10 18:30: three are before
3/1/2024 (10 + 20 + 30 summed), three are on or after 2024-02-29.
"""

import datetime

from _book import show

days = [datetime.date(2024, 1, 31), datetime.date(2024, 2, 29), datetime.date(2023, 12, 31),
        datetime.date(2024, 3, 1), datetime.datetime(2024, 5, 10, 18, 30)]
cells = {f"A{r}": d for r, d in enumerate(days, start=1)}
cells.update({f"B{r}": 10 * r for r in range(1, 6)})
cells.update({"C1": '=COUNTIFS(A1:A5,"<3/1/2024")', "C2": '=SUMIF(A1:A5,"<3/1/2024",B1:B5)',
              "C3": '=COUNTIF(A1:A5,">=2024-02-29")', "C4": '=COUNTIF(A1:A5,">1-Mar-2024")'})
show(cells, {"C1": 3.0, "C2": 60.0, "C3": 3.0, "C4": 1.0})
