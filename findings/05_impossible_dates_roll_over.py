"""Text naming a date that does not exist rolled over to another date: DATEVALUE("2/30/2024")
was 45352 (March 1), "2024-13-01"+0 was January 1, 2025, "31-Apr-2024" May 1.

Microsoft's DATEVALUE page: DATEVALUE "converts a date that is stored as text to a serial
number that Excel recognizes as a date"; "If the value of the date_text argument falls
outside of this range, DATEVALUE returns the #VALUE! error value." There is no February 30,
no 13th month, no April 31: Excel recognises no date and gives #VALUE! (the date that does
exist, "2024-02-29", is 45351; "2/29/1900" is Excel's serial 60).
"""

from _book import show

show(
    {"A1": '=DATEVALUE("2/30/2024")', "A2": '="2024-13-01"+0', "A3": '=DATEVALUE("31-Apr-2024")',
     "A4": '=VALUE("2023-02-29")', "A5": '=DATEVALUE("2024-02-29")', "A6": '=DATEVALUE("2/29/1900")'},
    {"A1": "#VALUE!", "A2": "#VALUE!", "A3": "#VALUE!", "A4": "#VALUE!", "A5": 45351.0, "A6": 60.0},
)
