"""VLOOKUP, HLOOKUP and MATCH (exact) read "~~" as two tildes: VLOOKUP("a~~*",…) found
nothing (#N/A) where COUNTIF and XLOOKUP with the same pattern found "a~bc".

Microsoft's "Using wildcard characters" (Wildcard examples): "~ (tilde) followed by ?, *,
or ~" finds "A question mark, asterisk, or tilde". So "a~~*" is a literal "a~" then
anything: "a~bc" in K2 (2nd row, 2 beside it); "*~~" ends in a tilde: "Cy~" in K3.
"""

from _book import show

show(
    {"K1": "Ann", "K2": "a~bc", "K3": "Cy~", "K4": "x", "L1": 1, "L2": 2, "L3": 3, "L4": 4,
     "A1": '=VLOOKUP("a~~*",K1:L4,2,FALSE)', "A2": '=MATCH("a~~*",K1:K4,0)', "A3": '=MATCH("*~~",K1:K4,0)',
     "A4": '=HLOOKUP("a~~?c",K2:L2,1,FALSE)', "A5": '=COUNTIF(K1:K4,"a~~*")'},
    {"A1": 2.0, "A2": 2.0, "A3": 3.0, "A4": "a~bc", "A5": 1.0},
)
