"""Criteria read an empty cell as the text "empty": COUNTIF(A1:A7,"*") counted the
blank cells among the text ones, and so did "?????", "*y", ">=a", COUNTIFS with them, and
the database functions' criteria ("e" as "begins with e", "<>E*").

Microsoft's COUNTIF page: =COUNTIF(A2:A5,"*") "Counts the number of cells containing any
text in cells A2 through A5" (blank cells hold no text). By hand: A1:A7 = 1, "b", "x",
blank, 5, blank, "Amy": three text cells; one ends in y; none has five characters; three
are >= "a"; "<>*" is the other four. DSUM over pay with name "e…" (begins with, Microsoft's
"Use the Advanced Criteria" page: Eve, Ed) is 10 + 40; with name "<>E*" 20 + 80.
"""

from _book import show

show(
    {"A1": 1, "A2": "b", "A3": "x", "A5": 5, "A7": "Amy",
     "B1": '=COUNTIF(A1:A7,"*")', "B2": '=COUNTIF(A1:A7,"*y")', "B3": '=COUNTIF(A1:A7,"?????")',
     "B4": '=COUNTIF(A1:A7,">=a")', "B5": '=COUNTIF(A1:A7,"<>*")',
     "D1": "name", "E1": "pay", "D2": "Eve", "E2": 10, "E3": 20, "D4": "Ed", "E4": 40, "D5": "Bo", "E5": 80,
     "G1": "name", "G2": "e", "H1": "name", "H2": "<>E*",
     "B6": '=DSUM(D1:E5,"pay",G1:G2)', "B7": '=DSUM(D1:E5,"pay",H1:H2)'},
    {"B1": 3.0, "B2": 1.0, "B3": 0.0, "B4": 3.0, "B5": 4.0, "B6": 50.0, "B7": 100.0},
)
