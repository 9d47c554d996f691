"""Character classes shared by the stages: CJK ranges and scripts, defined once.

`CJK_CHAR` is one CJK character for layout decisions (no space when joining lines, CJK
punctuation ends sentences): Han (with extensions B-F and compatibility ideographs), kana,
Hangul, CJK symbols and punctuation, full-width forms.  `HAN`, `KANA`, `HANGUL` tell the three
apart for script counting.
"""

from __future__ import annotations

import re

HAN_RANGES = r"\u2e80-\u2fdf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
KANA_RANGES = r"\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
HANGUL_RANGES = r"\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
CJK_PUNCT_RANGES = r"\u3000-\u303f\uff00-\uffef"

HAN = re.compile(f"[{HAN_RANGES}]")
KANA = re.compile(f"[{KANA_RANGES}]")
HANGUL = re.compile(f"[{HANGUL_RANGES}]")
CJK_CHAR = re.compile(f"[{HAN_RANGES}{KANA_RANGES}{HANGUL_RANGES}{CJK_PUNCT_RANGES}]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")


def is_cjk(ch: str) -> bool:
    """True for one CJK character (see CJK_CHAR); False for the empty string."""
    return bool(ch) and bool(CJK_CHAR.match(ch))
