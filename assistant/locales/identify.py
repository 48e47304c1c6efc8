"""The one language identification: is this copy in the requested language? Used by the checker
(``quality.wrong_language``), generation (Simplified vs Traditional Chinese) and the evals, so they
cannot disagree.

Cheap evidence first: scripts (CJK, kana, hangul, Arabic, Simplified/Traditional pairs), then function words
that clearly dominate; only then the statistical identifier (py3langid). Its model ships LZMA-packed
(about a second to unpack); the unpacked arrays are cached once per model file under
``$XDG_CACHE_HOME/brand-content-assistant`` and memory-mapped afterwards.
"""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from assistant.locales import Language
from assistant.locales.scripts import chinese_script

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
KANA = re.compile(r"[\u3040-\u30ff]")
HANGUL = re.compile(r"[\uac00-\ud7af]")
# Arabic script (base, supplement, extended-A, presentation forms): of the languages we write only Arabic
# uses it, and the statistical identifier splits it between Arabic and its dialects (ar, ary, arz), so
# even native copy rarely reaches MIN_PROBABILITY
ARABIC_RUNS = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+")
LETTERS = re.compile(r"[^\W\d_]+")  # counted as runs: one regex match per character is slow
CJK_RUNS = re.compile(f"{CJK.pattern}+")
MIN_LETTERS_FOR_LANGID = 30
LANGID_SAMPLE = 300  # characters classified: enough to tell, and fast
MIN_PROBABILITY = 0.9
KANJI_ONLY_AMBIGUOUS = 40  # CJK characters
LATIN_FOR_CJK_TARGET = 20  # Latin letters in copy meant to be Chinese, Japanese, Korean or Arabic

# Function words: when the requested language's clearly dominate, the copy is in that language and
# the (slower) statistical identifier is not needed.
STOPWORDS = {
    "en": "the and for with your you our this that from are is to of in on it its".split(),
    "de": "der die das und mit für ist ein eine den dem sie ihr wir auf nicht von zu im".split(),
    "fr": "le la les et pour avec est un une des du vous votre nous sur dans au ne pas".split(),
    "es": "el los las y para con es un una del que tu su por al se más muy sin entre cuando".split(),
    "it": "il lo la gli le e per con è un una del che di della sono nel alla non".split(),
    "pt": "o os as e com é um uma do da que em no na não seu você são pelo".split(),
}
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_STOP_SETS = {  # only the words no other listed language shares
    code: frozenset(w for w in words if not any(w in other for c, other in STOPWORDS.items() if c != code))
    for code, words in STOPWORDS.items()
}
_STOP_LANG = {w: code for code, words in _STOP_SETS.items() for w in words}  # the sets are disjoint


@dataclass(frozen=True)
class Verdict:
    """``ok``: True in the language, False not, None cannot tell. ``why`` explains a False; ``rule``
    is the checker's rule id for it."""

    ok: bool | None
    found: str | None = None
    probability: float = 0.0
    why: str = ""
    rule: str = "quality.wrong_language"


def identify(text: str, lang: Language) -> Verdict:
    """Whether ``text`` is written in ``lang`` (for Chinese also in the requested script)."""
    own_script = CJK if lang.cjk else ARABIC_RUNS if lang.script == "Arab" else None
    if own_script is not None and not own_script.search(text):
        latin = len(text) - len(LETTERS.sub("", text))
        if latin >= LATIN_FOR_CJK_TARGET:  # not one character of its script: certain, whatever the identifier says
            return Verdict(False, why=f"The copy has no {lang.name} characters at all")
    verdict = _language(text, lang)
    if verdict.ok is False or lang.script not in ("Hans", "Hant"):
        return verdict
    script = chinese_script(text)
    if script is None or script == lang.script:
        return verdict
    want = "Simplified" if lang.script == "Hans" else "Traditional"
    other = "Traditional" if want == "Simplified" else "Simplified"
    return Verdict(False, verdict.found, verdict.probability, why=f"The copy is written in {other} Chinese "
                   f"characters, not {want} as requested ({lang.code})", rule="quality.wrong_script")


def _language(text: str, lang: Language) -> Verdict:
    if _dominant_stopwords(text[:LANGID_SAMPLE], lang.langid):
        return Verdict(True, lang.langid, 1.0)
    found, prob = detect_language(text)
    if found is None or prob < MIN_PROBABILITY:
        return Verdict(None, found, prob)
    if found == lang.langid:
        return Verdict(True, found, prob)
    if lang.langid == "ja" and found == "zh" and len(CJK.findall(text)) < KANJI_ONLY_AMBIGUOUS:
        return Verdict(None, found, prob)  # short copy in kanji only reads the same in Japanese and Chinese
    return Verdict(False, found, prob, why=f"The copy reads as '{found}' (p={prob:.2f}), not {lang.name} as requested")


def detect_language(text: str) -> tuple[str | None, float]:
    """(langid code, probability); ``None`` when the text is too short to tell."""
    text = text[:LANGID_SAMPLE]
    cjk = len(text) - len(CJK_RUNS.sub("", text))
    if cjk and cjk / len(text) > 0.3:  # then more than 0.3 of the letters too (no more letters than characters)
        return _cjk_language(text)
    letters = len(text) - len(LETTERS.sub("", text))
    arabic = len(text) - len(ARABIC_RUNS.sub("", text))
    if arabic and arabic > letters / 2:  # mostly Arabic letters (Latin brand names aside), however short
        return "ar", 1.0
    if letters < MIN_LETTERS_FOR_LANGID and not cjk:
        return None, 0.0
    if cjk and cjk / max(1, letters) > 0.3:
        return _cjk_language(text)
    code, prob = _identifier().classify(text)
    return code, float(prob)


def _cjk_language(text: str) -> tuple[str, float]:
    if HANGUL.search(text):
        return "ko", 1.0
    if KANA.search(text):
        return "ja", 1.0
    return "zh", 1.0


def _dominant_stopwords(sample: str, langid: str) -> bool:
    if langid not in STOPWORDS:
        return False
    found = Counter(map(_STOP_LANG.get, WORD.findall(sample.lower())))
    own = found[langid]
    return own >= 3 and own >= 2 * max(found[code] for code in _STOP_SETS if code != langid)


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    model = Path(MODEL_DIR) / MODEL_FILE
    try:
        arrays = _cached_arrays(model)
    except (OSError, ValueError):  # no writable cache: unpack in memory every time
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    from py3langid.modelio import _to_array

    return LanguageIdentifier(arrays["ptc"], arrays["pc"], arrays["classes"].tolist(), _to_array(arrays["nextmove"]),
                              arrays["out_feat"].tolist(), norm_probs=True, tk_row=_to_array(arrays["nextmove_row"]))


def _cached_arrays(model: Path) -> dict:
    import lzma

    import numpy as np

    stat = model.stat()
    from assistant.datafiles import cache_dir

    folder = cache_dir() / f"langid-{stat.st_size}-{stat.st_mtime_ns}"
    names = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")
    if not all((folder / f"{name}.npy").exists() for name in names):
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent))
        with lzma.open(model) as packed, open(staging / "model.npz", "wb") as unpacked:
            shutil.copyfileobj(packed, unpacked, length=1 << 20)
        with np.load(staging / "model.npz", allow_pickle=False) as data:
            for name in names:
                np.save(staging / f"{name}.npy", data[name], allow_pickle=False)
        (staging / "model.npz").unlink()
        try:
            staging.rename(folder)
        except OSError:  # another process finished first
            for path in staging.iterdir():
                path.unlink()
            staging.rmdir()
    return {name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in names}
