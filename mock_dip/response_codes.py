"""The DIP's MSG response codes (ResponseCodes in the official API files) and the texts it puts after them."""
from __future__ import annotations

TEXTS = {
    "MSG0000": "Success", "MSG1000": "Message Processing Failed", "MSG1001": "Schema Failure",
    "MSG1002": "Interface ID Invalid", "MSG1006": "Sender Unique Reference Duplicated",
    "MSG1007": "Sender Timestamp Invalid", "MSG1009": "Sender DIP ID Invalid", "MSG1010": "Sender Role Invalid",
    "MSG1011": "Connection Provider ID Invalid", "MSG1012": "Sender Correlation ID Invalid",
    "MSG1030": "Msg Addressing / Routing Error", "MSG1031": "Primary Recipient(s) DIP Participant ID Invalid",
    "MSG1032": "Primary Recipient(s) DIP Role ID Invalid", "MSG1033": "Secondary Recipient(s) DIP Participant ID Invalid",
    "MSG1034": "Secondary Recipient(s) DIP Role ID Invalid", "MSG1035": "Always Recipient(s) DIP Participant ID Invalid",
    "MSG1036": "Always Recipient(s) DIP Role ID Invalid",
    "MSG1037": "Cannot Resolve Secondary Recipient(s) for Missing MPAN",
    "MSG1038": "Cannot Resolve Secondary Recipient(s) for MPAN/Party/Event Combination",
    "RCP0000": "Message Success",
}


def message(code: str) -> str:
    """`MSG1001 -Schema Failure`, as the DIP writes it; MSG0000 alone."""
    return code if code == "MSG0000" else f"{code} -{TEXTS.get(code, 'Message Processing Failed')}"
