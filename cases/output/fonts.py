"""Find a CJK font for maps, sheets and bulletins, and register it with matplotlib.

Order of preference:

1. the font file named by the environment variable ``CASEMAP_CJK_FONT``;
2. the Noto Sans CJK font that the pip package ``noto-cjk-sans-otc`` ships (in requirements.txt,
   so every installation has it, Windows included);
3. system fonts: Debian/Ubuntu ``fonts-noto-cjk``, other common Linux CJK fonts, and on Windows
   黑体 (SimHei) or 微软雅黑 (Microsoft YaHei).

Nothing here runs at import; :func:`cjk_font` looks once per process and caches the answer.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from geo.errors import CasemapError

ENV_VAR = "CASEMAP_CJK_FONT"
#: Family names to prefer inside a font collection (simplified Chinese first).
PREFERRED_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei", "SimHei",
    "Microsoft YaHei", "Noto Sans CJK JP",
)
#: System font files tried in order (Linux, then Windows).
SYSTEM_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
)
WINDOWS_FONT_NAMES = ("simhei.ttf", "msyh.ttc", "msyh.ttf", "simsun.ttc")
#: Text whose glyphs the chosen font must have.
PROBE_TEXT = "代县乡镇案件核查单图例比例尺"


class FontError(CasemapError):
    """No font that can show Chinese text was found."""


@dataclass(frozen=True)
class CJKFont:
    """A font file and the matplotlib family name to use for it."""

    path: Path
    family: str
    source: str

    @property
    def pdf_fonttype(self) -> int:
        """matplotlib ``pdf.fonttype`` that embeds this font cleanly: 42 for TrueType outlines, 3 for CFF.

        CFF-flavoured OpenType (Noto Sans CJK) embedded as Type 42 gives a mismatched font program
        that some readers refuse; as Type 3 it renders everywhere and its text stays extractable.
        """
        return 3 if _is_cff(self.path) else 42


def _is_cff(path: Path) -> bool:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(str(path), fontNumber=0, lazy=True) as font:
            return "CFF " in font or "CFF2" in font
    except (OSError, TTLibError, ValueError, KeyError):  # unreadable here: Type 3 works for any outline
        return True


NOT_FOUND_MESSAGE = (
    "未找到可显示中文的字体，无法生成地图、核查单或通报。请任选其一："
    "① 运行 python -m pip install -r requirements.txt（会安装自带思源/Noto 中文字体的 noto-cjk-sans-otc 包）；"
    "② Debian/Ubuntu 上运行 apt-get install fonts-noto-cjk；"
    "③ Windows 上确认 C:\\Windows\\Fonts 中有黑体（simhei.ttf）或微软雅黑（msyh.ttc）；"
    f"④ 设置环境变量 {ENV_VAR}=中文字体文件路径（.ttf/.ttc/.otf）。"
)


def _candidates() -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    explicit = os.environ.get(ENV_VAR, "").strip()
    if explicit:
        out.append((Path(explicit), f"环境变量 {ENV_VAR}"))
    try:
        import noto_cjk_sans_otc  # type: ignore[import-not-found]

        out.append((Path(str(noto_cjk_sans_otc.FONT_PATH)), "pip 包 noto-cjk-sans-otc"))
    except ImportError:
        pass
    out += [(Path(p), "系统字体") for p in SYSTEM_FONT_FILES]
    windir = os.environ.get("WINDIR") or os.environ.get("SystemRoot")
    if windir:
        out += [(Path(windir) / "Fonts" / n, "Windows 系统字体") for n in WINDOWS_FONT_NAMES]
    return out


def _register(path: Path) -> str | None:
    """Add ``path`` to matplotlib's font manager; return the best family that shows Chinese."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    before = {(f.fname, f.name) for f in font_manager.fontManager.ttflist}
    try:
        font_manager.fontManager.addfont(str(path))
    except (OSError, RuntimeError, ValueError):
        return None
    names = [f.name for f in font_manager.fontManager.ttflist if Path(f.fname) == path]
    if not names:
        names = [n for fn, n in before if Path(fn) == path]
    if not names:
        return None
    family = next((n for n in PREFERRED_FAMILIES if n in names), names[0])
    try:
        face = FT2Font(str(path))
        if any(face.get_char_index(ord(ch)) == 0 for ch in PROBE_TEXT):
            return None
    except (OSError, RuntimeError):
        return None
    return family


@functools.lru_cache(maxsize=1)
def cjk_font() -> CJKFont:
    """The CJK font to use, registered with matplotlib; FontError (Chinese message) if none exists."""
    tried = []
    for path, source in _candidates():
        if not path.is_file():
            if source.startswith("环境变量"):
                raise FontError(f"环境变量 {ENV_VAR} 指定的字体文件不存在：{path}")
            continue
        tried.append(str(path))
        family = _register(path)
        if family:
            return CJKFont(path=path, family=family, source=source)
    if tried:
        raise FontError(NOT_FOUND_MESSAGE + f"（已尝试但不含中文字形：{'、'.join(tried)}）")
    raise FontError(NOT_FOUND_MESSAGE)


def font_family() -> str:
    """The matplotlib family name of :func:`cjk_font`."""
    return cjk_font().family
