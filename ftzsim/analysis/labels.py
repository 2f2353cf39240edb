"""Readable labels, units and zone names for figures, the app and CLI tables, in English or Chinese.

Every text a reader sees comes from the registries: outcome, summary and parameter labels and
units from :mod:`ftzsim.outcomes` (``label(name, lang)``, ``unit(name)``), zone names from
the zone data (:func:`ftzsim.reference.zones`, column ``province_zh``). Nothing here is a
second list of names: this module only chooses between the two languages and finds a font
that can draw Chinese.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ftzsim.outcomes import label as _label
from ftzsim.outcomes import unit as _unit

__all__ = [
    "LANGS",
    "annual_unit",
    "axis_label",
    "check_lang",
    "cjk_font",
    "label",
    "unit",
    "use_lang",
    "word",
    "zone_label",
]

#: Languages figures can be drawn in.
LANGS = ("en", "zh")


def check_lang(lang: str) -> str:
    """``lang`` itself if it is one of :data:`LANGS`; a ``ValueError`` naming them otherwise."""
    if lang not in LANGS:
        raise ValueError(f"--lang {lang!r}: allowed: {', '.join(LANGS)}")
    return lang


def label(name: str, lang: str = "en") -> str:
    """Readable label of an outcome, summary or parameter name (``ds_exports`` -> words).

    From :func:`ftzsim.outcomes.label`; unknown names come back unchanged.
    """
    return _label(name, check_lang(lang))


def unit(name: str, lang: str = "en", per: bool = True) -> str:
    """Unit of an outcome, summary or parameter name ("" if it has none or is unknown).

    From :func:`ftzsim.outcomes.unit`: with ``per`` a flow's unit says per quarter (plain
    names), per year (``final_``) or over the run (``cum_``).
    """
    return _unit(name, check_lang(lang), per=per)


def axis_label(name: str, lang: str = "en", per: bool = True) -> str:
    """``label (unit)`` for an axis or a colour bar; the unit is left out when there is none."""
    u = unit(name, lang, per)
    return f"{label(name, lang)} ({u})" if u else label(name, lang)


def annual_unit(name: str, lang: str = "en") -> str:
    """Unit of an outcome's annual value: a flow's unit per year, a stock's unit as it is."""
    from ftzsim.outcomes import NATIONAL_OUTCOMES, ZONE_OUTCOMES

    o = NATIONAL_OUTCOMES.get(name) or ZONE_OUTCOMES.get(name)
    u = unit(name, lang, per=False)
    if o is not None and o.agg == "flow":
        u += "/年" if lang == "zh" else " per year"
    return u


def zone_label(zone: str, lang: str = "en") -> str:
    """A zone's name: the English name, or the province's Chinese name from the zone data."""
    if check_lang(lang) == "en":
        return zone
    from ftzsim.reference import zones

    info = zones().get(zone)
    return info.province_zh if info else zone


#: Font families, in order of preference, that draw simplified Chinese; the first two come
#: from Debian's fonts-wqy-microhei and fonts-noto-cjk (scripts/setup.sh installs the first).
CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Droid Sans Fallback")

#: Where Debian's packages put those fonts.
CJK_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Family name of an installed font that draws Chinese, or ``None`` if there is none."""
    from matplotlib import font_manager

    fm = font_manager.fontManager
    for path in CJK_FILES:  # matplotlib's font cache does not see fonts installed after it was built
        if Path(path).exists() and path not in {f.fname for f in fm.ttflist}:
            fm.addfont(path)
    installed = {f.name for f in fm.ttflist}
    return next((fam for fam in CJK_FAMILIES if fam in installed), None)


NO_CJK_FONT = (
    "--lang zh needs a font that draws Chinese and none is installed; install Debian's "
    "fonts-wqy-microhei (apt-get install -y fonts-wqy-microhei, as scripts/setup.sh does) "
    "or fonts-noto-cjk, then run again"
)


def use_lang(lang: str) -> dict:
    """Matplotlib rc settings that draw ``lang``: for ``zh`` a CJK font first in the sans-serif list.

    Raises ``ValueError`` (with the install line) when ``lang`` is ``zh`` and no such font is
    installed, so a figure is never drawn with empty boxes in place of characters.
    """
    if check_lang(lang) == "en":
        return {}
    fam = cjk_font()
    if fam is None:
        raise ValueError(NO_CJK_FONT)
    import matplotlib

    return {"font.family": "sans-serif", "font.sans-serif": [fam, *matplotlib.rcParams["font.sans-serif"]],
            "axes.unicode_minus": False}  # fmt: skip


#: Words of figure furniture (axis names, legends) that are neither registry names nor zone
#: names. English is the key; a missing translation falls back to the English word.
_WORDS_ZH = {
    "year": "年份",
    "longitude (°E)": "经度 (°E)",
    "latitude (°N)": "纬度 (°N)",
    "alliance tie": "联盟联系",
    "proximity tie": "邻近联系",
    "east": "东部",
    "central": "中部",
    "west": "西部",
    "northeast": "东北",
    "per year": "每年",
    "per quarter": "每季度",
    "Pilot zones": "自由贸易试验区",
    "difference": "差异",
    "median": "中位数",
    "difference from reference": "与参照情景的差异",
    "lever at its low value": "政策杠杆取低值",
    "lever at its high value": "政策杠杆取高值",
    "services trade, final year": "服务贸易（最后一年）",
    "node size": "节点大小",
    "% of services trade": "服务贸易占比 (%)",
    "Regional shares of services trade": "各区域服务贸易占比",
    "Sobol index (share of output variance)": "Sobol 指数（输出方差占比）",
    "share of output variance": "输出方差占比",
    "mu* (mean absolute elementary effect, outcome units)": "mu*（基本效应绝对值均值，结果单位）",
    "sigma (spread of elementary effects)": "sigma（基本效应离散度）",
    "base samples N": "基础样本数 N",
    "difference from baseline (% of baseline)": "与基准情景的差异（占基准的 %）",
    "difference from baseline": "与基准情景的差异",
    "Difference from baseline (paired 95% intervals)": "与基准情景的差异（配对 95% 区间）",
}


def word(text: str, lang: str = "en") -> str:
    """Figure furniture in ``lang`` (English text is the key)."""
    return _WORDS_ZH.get(text, text) if check_lang(lang) == "zh" else text
