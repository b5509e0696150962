"""Time a lead import into a demo store, duplicate screening included.

Run from the repository root::

    .venv/bin/python benchmarks/lead_import.py                # 4,000 leads, 3 runs
    .venv/bin/python benchmarks/lead_import.py --leads 20000 --runs 1

The script generates a demo store (``--deals`` deals) and a CSV file of made-up
Chinese companies, people, mobile numbers and e-mail addresses, both from fixed
seeds. Each run imports the file into a fresh copy of the store with ``crmdesk
leads import``, and the script prints the median wall time.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FAMILY_NAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
)
GIVEN_NAMES = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华"
    "玉萍红娥玲芬燕彬鹏辉宇浩然子涵梓轩雨欣思源"
)
CITIES = (
    "北京",
    "上海",
    "广州",
    "深圳",
    "杭州",
    "成都",
    "武汉",
    "南京",
    "西安",
    "苏州",
)
TRADES = ("科技", "教育", "培训", "文化", "贸易", "咨询", "网络", "信息")


def write_leads(path: Path, count: int, seed: int = 5) -> None:
    """Write ``count`` made-up leads with Chinese header names to ``path``."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["公司", "联系人", "电话", "邮箱"])
        for number in range(count):
            core = "".join(rng.choice(GIVEN_NAMES) for _ in range(2))
            company = f"{rng.choice(CITIES)}{core}{rng.choice(TRADES)}有限公司"
            given = "".join(rng.choice(GIVEN_NAMES) for _ in range(rng.randint(1, 2)))
            person = rng.choice(FAMILY_NAMES) + given
            phone = f"+86 13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
            writer.writerow([company, person, phone, f"lead{number}@example.cn"])


def crmdesk(*arguments: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "crmdesk", *arguments],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=4000, help="rows in the file")
    parser.add_argument("--deals", type=int, default=2000, help="demo deals")
    parser.add_argument("--runs", type=int, default=3, help="imports timed")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="crmdesk-lead-import-"))
    try:
        crmdesk("--data-dir", str(folder / "demo"), "demo", "--deals", str(args.deals))
        leads = folder / "leads.csv"
        write_leads(leads, args.leads)
        seconds = []
        for run in range(args.runs):
            store = folder / f"run{run}"
            shutil.copytree(folder / "demo", store)
            started = time.perf_counter()
            crmdesk(
                "--data-dir",
                str(store),
                "leads",
                "import",
                str(leads),
                "--report",
                str(folder / f"report{run}.csv"),
            )
            seconds.append(time.perf_counter() - started)
        print(
            f"{args.leads:,} leads into a store of {args.deals:,} demo deals: "
            f"median {statistics.median(seconds):.2f} s of {args.runs} runs "
            f"({', '.join(f'{s:.2f}' for s in seconds)})"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
