"""Language identification (lingua, offline), shared by ingest and segment.

The detector is built once, lazily, and restricted to SUPPORTED_LANGUAGES: lingua's full set of
75 languages takes far longer to load and confuses close languages more often on short text.
"""

from __future__ import annotations

import threading

from align import text as scripts

# ISO 639-1 codes the pipeline can identify. Anything else comes back as the caller's default
# (usually "unknown" or the document's language).
SUPPORTED_LANGUAGES: tuple[str, ...] = (
    "zh", "de", "en", "fr", "es", "it", "pt", "ru", "ja", "ko", "ar", "nl", "pl", "tr", "uk",
)
UNKNOWN = "unknown"

# Below this many letters lingua's guess is little better than chance: fall back to the default.
MIN_LETTERS = 12
# Detection looks at this many characters at most: enough for a document, bounded for huge input.
MAX_DETECT_CHARS = 4000

_detector = None
_detector_lock = threading.Lock()



def get_detector():
    """The shared lingua detector (built on first use, then reused)."""
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

                languages = [
                    Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
                    for code in SUPPORTED_LANGUAGES
                ]
                _detector = LanguageDetectorBuilder.from_languages(*languages).build()
    return _detector


def _letter_count(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def detect_language(text: str, default: str = UNKNOWN) -> str:
    """ISO 639-1 code of `text`'s language, or `default` when the text is too short or unclear.

    CJK scripts are decided by script (kana -> ja, hangul -> ko, han only -> zh): this is exact
    and avoids lingua's zh/ja confusion on short Han-only sentences.
    """
    sample = text[:MAX_DETECT_CHARS]
    n_letters = _letter_count(sample)
    if n_letters == 0:
        return default
    n_kana = len(scripts.KANA.findall(sample))
    n_hangul = len(scripts.HANGUL.findall(sample))
    n_han = len(scripts.HAN.findall(sample))
    cjk = n_kana + n_hangul + n_han
    # Mostly CJK letters: a handful of characters is already enough to tell.
    if cjk and cjk * 2 >= n_letters:
        if n_hangul >= n_kana and n_hangul * 4 >= cjk:
            return "ko"
        if n_kana and n_kana * 10 >= cjk:
            return "ja"
        return "zh" if n_han else default
    if n_letters < MIN_LETTERS:
        return default
    try:
        language = get_detector().detect_language_of(sample)
    except Exception:  # lingua must never take a document down with it
        return default
    if language is None:
        return default
    code = language.iso_code_639_1.name.lower()
    return code if code in SUPPORTED_LANGUAGES else default


def language_confidence(text: str, lang: str) -> float:
    """lingua's confidence (0..1) that `text` is in `lang`; 0.0 for unsupported codes."""
    if lang not in SUPPORTED_LANGUAGES:
        return 0.0
    from lingua import IsoCode639_1, Language

    language = Language.from_iso_code_639_1(getattr(IsoCode639_1, lang.upper()))
    try:
        return float(get_detector().compute_language_confidence(text[:MAX_DETECT_CHARS], language))
    except Exception:
        return 0.0




def script_of(text: str) -> str:
    """The dominant script family of text's letters: cjk, cyrillic, arabic, latin or other."""
    sample = text[:MAX_DETECT_CHARS]
    counts = {
        "cjk": len(scripts.HAN.findall(sample)) + len(scripts.KANA.findall(sample)) + len(scripts.HANGUL.findall(sample)),
        "cyrillic": len(scripts.CYRILLIC.findall(sample)),
        "arabic": len(scripts.ARABIC.findall(sample)),
    }
    n_letters = _letter_count(sample)
    counts["latin"] = sum(1 for ch in sample if ch.isalpha() and ch < "\u0250")
    best = max(counts, key=counts.get)
    if n_letters == 0 or counts[best] == 0:
        return "other"
    return best
