"""Write a :class:`cases.output.bulletin.Bulletin` as Word (.docx, python-docx) or PDF (matplotlib pages).

Both writers walk the same list of blocks (title, heading, paragraph, table, image), so the two
files say the same thing.  The PDF embeds the CJK font; the .docx names 宋体/黑体 for East Asian text
(Word substitutes an installed Chinese font where those are missing).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from cases.io.files import atomic_output
from cases.output.bulletin import MAX_LIST, TABLE_COLUMNS, TITLE, Bulletin, build_bulletin
from cases.output.figures import check_suffix, pdf_fonts
from cases.output.fonts import font_family
from cases.store import CaseStore
from geo.printmap.furniture import text_em, wrap_cjk
from geo.printmap.page import MM_PER_PT, Page, line_height

BODY_FONT, HEAD_FONT = "宋体", "黑体"
CN_NUMBERS = "一二三四五六七八九十"


def blocks(b: Bulletin) -> list[tuple[str, object]]:
    """The bulletin as ("title"|"subtitle"|"heading"|"para"|"note"|"table"|"image", content) blocks."""
    out: list[tuple[str, object]] = [
        ("title", TITLE), ("subtitle", f"第 {b.number} 期"), ("subtitle", f"{b.issuer}　　　　{b.title_date}"),
    ]
    sections: list[tuple[str, list]] = []
    sections.append(("工作阶段", [("para", b.phase_text)]))
    table = b.table.rename(columns=TABLE_COLUMNS)
    sections.append(("总体进展", [("para", b.overview), ("para", "分乡镇进展情况如下表（已立案含立案后各环节；整改到位指乡镇已验收及以后）："),
                                  ("table", _fmt_table(table))]))
    sections.append((f"{b.scope}案件分布图", [("image", b.map_png)] if b.map_png else [("para", "（未附地图）")]))
    overdue: list = []
    if b.overdue:
        for text, rows in b.overdue:
            overdue += [("para", text), *_limited(rows)]
    else:
        overdue.append(("para", "截至本期，无逾期未完成事项。"))
    if b.upcoming:
        overdue.append(("para", "下一时间节点：" + "".join(b.upcoming[:1])))
    sections.append(("逾期未完成事项", overdue))
    if b.referral_text:  # 涉嫌犯罪移送: the cases over a threshold with the rule that fired
        sections.append(("涉嫌犯罪移送", [("para", b.referral_text), *(_limited(b.referrals) if len(b.referrals) else [])]))
    removed = f"，删除案件 {len(b.removed)} 起" if len(b.removed) else ""
    summary = (f"本期（{b.since_text}）新增案件 {len(b.new_cases)} 起，办理状态变更 {len(b.status_changes)} 次，"
               f"销号 {len(b.closed)} 起，其他台账信息修改 {b.other_edits} 处{removed}。")
    changes = [("para", summary)]
    for name, frame in (("新增案件", b.new_cases), ("办理状态变更", b.status_changes), ("本期销号案件", b.closed),
                        ("本期删除案件", b.removed)):
        if len(frame):
            changes += [("para", f"{name}（{len(frame)}）："), *_limited(frame)]
    sections.append(("本期变化", changes))
    for i, (name, items) in enumerate(sections):
        out.append(("heading", f"{CN_NUMBERS[i]}、{name}"))
        out += items
    if b.notes:
        out += [("note", n) for n in b.notes]
    return out


def _fmt_table(table: pd.DataFrame) -> pd.DataFrame:
    t = table.copy()
    for col in ("面积（亩）", "罚款（万元）"):
        t[col] = [f"{v:.2f}" for v in t[col]]
    return t.astype(str)


def _limited(frame: pd.DataFrame) -> list[tuple[str, object]]:
    items: list[tuple[str, object]] = [("table", frame.head(MAX_LIST).astype(str))]
    if len(frame) > MAX_LIST:
        items.append(("para", f"（另有 {len(frame) - MAX_LIST} 条未列出，详见案件台账。）"))
    return items


# -- Word -----------------------------------------------------------------------------------------
def write_docx(b: Bulletin, path: Path | io.BytesIO) -> None:
    """Write the bulletin as an editable Word document."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.0)
    sec.top_margin = sec.bottom_margin = Cm(2.0)
    _font(doc.styles["Normal"], BODY_FONT, Pt(11))
    doc.core_properties.title = f"{TITLE}（第 {b.number} 期）"
    doc.core_properties.author = b.issuer
    for kind, content in blocks(b):
        if kind in ("title", "subtitle"):
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(str(content))
            _font(run, HEAD_FONT if kind == "title" else BODY_FONT, Pt(18 if kind == "title" else 12))
            run.bold = kind == "title"
        elif kind == "heading":
            p = doc.add_paragraph()
            p.paragraph_format.keep_with_next = True  # never a heading alone at the foot of a page
            run = p.add_run(str(content))
            _font(run, HEAD_FONT, Pt(14))
            run.bold = True
        elif kind in ("para", "note"):
            p = doc.add_paragraph()
            run = p.add_run(str(content))
            if kind == "note":
                _font(run, BODY_FONT, Pt(9))
        elif kind == "image":
            doc.add_picture(io.BytesIO(content), width=Cm(17))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "table":
            frame: pd.DataFrame = content
            t = doc.add_table(rows=len(frame) + 1, cols=len(frame.columns))
            t.style = "Table Grid"
            t.alignment = WD_TABLE_ALIGNMENT.CENTER
            for j, col in enumerate(frame.columns):
                _cell(t.cell(0, j), str(col), bold=True)
            for i, row in enumerate(frame.itertuples(index=False), start=1):
                for j, v in enumerate(row):
                    _cell(t.cell(i, j), str(v))
    doc.save(path)


def _font(target, name: str, size) -> None:
    from docx.oxml.ns import qn

    target.font.name = name
    target.font.size = size
    rpr = target.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _cell(cell, text: str, *, bold: bool = False) -> None:
    from docx.shared import Pt

    cell.text = ""
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold
    _font(run, BODY_FONT, Pt(9))


# -- PDF ------------------------------------------------------------------------------------------
class _Flow:
    """Blocks flowed down A4 portrait pages."""

    TOP, BOTTOM, LEFT, WIDTH = 18.0, 280.0, 12.0, 186.0

    def __init__(self, font: str) -> None:
        self.font = font
        self.pages: list[Page] = []
        self.new_page()

    def new_page(self) -> None:
        self.page = Page(font=self.font, size="A4", landscape=False, dpi=150)
        self.pages.append(self.page)
        self.y = self.TOP

    def need(self, h: float) -> None:
        if self.y + h > self.BOTTOM and self.y > self.TOP:
            self.new_page()

    def text(self, s: str, *, size: float, weight: str = "normal", ha: str = "left", color: str = "black",
             gap: float = 2.0) -> None:
        lines = wrap_cjk(s, self.WIDTH / (size * MM_PER_PT))
        self.need(line_height(size) * len(lines))
        x = self.LEFT + self.WIDTH / 2 if ha == "center" else self.LEFT
        self.y += self.page.text(x, self.y, "\n".join(lines), size=size, weight=weight, ha=ha, color=color) + gap

    def table(self, frame: pd.DataFrame, *, size: float = 7.5) -> None:
        widths = _col_widths(frame, self.WIDTH, size)
        header = [list(map(str, frame.columns))]
        rows = frame.astype(str).values.tolist()
        while True:
            self.need(line_height(size, 1.25) * 3 + 4)
            y, drawn = self.page.table(self.LEFT, self.y, widths, header + rows, size=size, max_y=self.BOTTOM)
            rows = rows[max(drawn - 1, 0):]
            self.y = y + 3
            if not rows:
                return
            self.new_page()

    def image(self, png: bytes) -> None:
        from PIL import Image

        img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
        h = _image_height(png, self.WIDTH)
        self.need(h + 2)
        ax = self.page.axes(self.LEFT, self.y, self.WIDTH, h, label="image")
        ax.imshow(img, interpolation="antialiased")
        ax.axis("off")
        self.y += h + 3


def _image_height(png: bytes, width: float) -> float:
    from PIL import Image

    w, h = Image.open(io.BytesIO(png)).size
    return width * h / w


def _col_widths(frame: pd.DataFrame, total: float, size: float) -> list[float]:
    em = [max([text_em(str(c))] + [text_em(str(v)) for v in frame[c].head(200)]) for c in frame.columns]
    w = np.array([e * size * MM_PER_PT + 2.5 for e in em])
    if w.sum() > total:
        w = np.minimum(w, max(total / len(w), 14.0))
    return list(w * (total / w.sum()))


def write_pdf(b: Bulletin, path: Path | io.BytesIO) -> None:
    """Write the bulletin as a PDF (A4 portrait pages, CJK font embedded, text searchable)."""
    from matplotlib.backends.backend_pdf import PdfPages


    flow = _Flow(font_family())
    items = blocks(b)
    for k, (kind, content) in enumerate(items):
        if kind == "heading" and k + 1 < len(items) and items[k + 1][0] == "image":
            flow.need(_image_height(items[k + 1][1], flow.WIDTH) + 14)  # keep the heading with its map
        if kind == "title":
            flow.text(str(content), size=17, weight="bold", ha="center", gap=3)
        elif kind == "subtitle":
            flow.text(str(content), size=10.5, ha="center")
        elif kind == "heading":
            flow.need(20)
            flow.y += 2
            flow.text(str(content), size=12, weight="bold")
        elif kind == "para":
            flow.text(str(content), size=9.5)
        elif kind == "note":
            flow.text(str(content), size=8, color="#b00000")
        elif kind == "table":
            flow.table(content)
        elif kind == "image":
            flow.image(content)
    n = len(flow.pages)
    with pdf_fonts(), PdfPages(path, metadata={"Title": f"{TITLE}（第 {b.number} 期）", "Creator": "casemap"}) as pdf:
        for i, page in enumerate(flow.pages, start=1):
            page.footer(f"{TITLE}（第 {b.number} 期）　　第 {i} 页，共 {n} 页")
            pdf.savefig(page.fig)


def write_bulletin(store: CaseStore, out: str | os.PathLike, *, day: dt.date, since: dt.date | None = None,
                   unit: str | None = None, division: int | None = None) -> tuple[Path, Bulletin]:
    """Write the bulletin of ``day`` to ``out`` (.docx or .pdf), per township of the division in force in
    ``division`` (default: the current one); return the path and the content."""
    path = check_suffix(out, (".docx", ".pdf"))
    bulletin = build_bulletin(store, day=day, since=since, issuer=unit, division=division)
    with atomic_output(path) as tmp:  # a failed or killed save never leaves a half-written bulletin
        (write_docx if path.suffix.lower() == ".docx" else write_pdf)(bulletin, tmp)
    return path, bulletin
