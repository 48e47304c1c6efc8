"""Simplified vs Traditional Chinese. Language identifiers say only "zh"; these character pairs
(simplified, traditional) tell the two scripts apart in marketing copy."""

from __future__ import annotations

PAIRS = (
    "们們 这這 个個 说說 时時 来來 为為 会會 国國 发發 东東 对對 还還 进進 过過 动動 种種 实實 现現 应應 关關 "
    "开開 无無 经經 学學 问問 长長 见見 头頭 么麼 电電 买買 卖賣 门門 车車 风風 书書 语語 话話 认認 识識 让讓 请請 "
    "谢謝 边邊 号號 热熱 点點 爱愛 质質 产產 价價 优優 环環 灯燈 锅鍋 铁鐵 钢鋼 铝鋁 饭飯 厨廚 设設 计計 从從 给給 "
    "节節 温溫 护護 适適 轻輕 读讀 视視 观觀 体體 术術 业業 务務 员員 选選 择擇 万萬 与與 两兩 认認 证證 双雙 "
    "离離 准準 确確 条條 面麵 钟鐘 复複 杂雜 传傳 统統 样樣 们們 织織 线線 显顯 亮亮 净淨 处處 级級 费費"
).split()
SIMPLIFIED = {p[0] for p in PAIRS if p[0] != p[1]}
TRADITIONAL = {p[1] for p in PAIRS if p[0] != p[1]}


def chinese_script(text: str, min_evidence: int = 3) -> str | None:
    """``'Hans'``, ``'Hant'`` or ``None`` when the text has too few telling characters."""
    simp = sum(ch in SIMPLIFIED for ch in text)
    trad = sum(ch in TRADITIONAL for ch in text)
    if max(simp, trad) < min_evidence:
        return None
    return "Hans" if simp >= trad else "Hant"
