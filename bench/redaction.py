"""Redaction quality on generated labelled text, and throughput on real petitions.

    .venv/bin/python bench/redaction.py [--texts 2000] [--seed 20261128] [--templates bench|tune]
        [--petitions N (0 = all, -1 = skip)] [--no-analyser] [--data DIR]

**Quality.** A seeded generator composes Korean complaint texts from sentence templates with
fake names, phone numbers, e-mails, 사업자등록번호, 주민등록번호, addresses, account and card numbers,
mixed with distractors readers need (statute references, amounts, dates, percentages, counts,
public-body and product names). Nothing is stored; the set is rebuilt at run time.
There are two disjoint template sets: ``tune`` (looked at while writing ``core/redaction.py``) and
``bench`` (the default, written separately and only run, never tuned on); they also differ in some
number formats (``bench`` has dotted phones, ``+82-`` prefixes, spaced BRNs, unlabelled 10-digit
BRNs, bare names without title). Slot vocabularies (names, roads, banks) are shared.

Per kind: precision and recall by overlap (a gold span counts as found when a mask of the same kind
overlaps it), recall when any mask counts (what matters for privacy), and the share of gold
characters left visible. Distractors: the share that survives verbatim.

**Throughput** on ``real/petitions_cheongwadae/petitions.jsonl`` (real citizen text): texts/s and
MB/s of UTF-8 input after the analyser has loaded, and masks per 1,000 petitions by kind (these
petitions rarely contain personal data, so the rate shows over-masking, mostly public figures'
names the name rules treat as people).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.redaction import Kind, redact  # noqa: E402
from firms.brn import check_digit  # noqa: E402

# --------------------------------------------------------------------------------------------
# Vocabulary (fake people, real-looking places and bodies)
# --------------------------------------------------------------------------------------------

SURNAMES = [
    "김",
    "김",
    "김",
    "이",
    "이",
    "이",
    "박",
    "박",
    "최",
    "정",
    "강",
    "조",
    "윤",
    "장",
    "임",
    "한",
    "오",
    "서",
    "신",
    "권",
    "황",
    "안",
    "송",
    "류",
    "홍",
    "전",
    "고",
    "문",
    "양",
    "손",
    "배",
    "백",
    "허",
    "남궁",
    "선우",
]
GIVEN = [
    "민",
    "서",
    "지",
    "현",
    "준",
    "우",
    "하",
    "윤",
    "수",
    "영",
    "은",
    "도",
    "재",
    "예",
    "진",
    "유",
    "아",
    "연",
    "혜",
    "경",
    "성",
    "호",
    "훈",
    "빈",
    "원",
    "희",
    "채",
    "다",
    "주",
    "시",
    "태",
    "승",
    "나",
    "온",
    "린",
    "율",
    "건",
    "찬",
    "혁",
    "석",
    "철",
    "동",
    "미",
    "정",
    "선",
    "숙",
]
TITLES = ["대표", "대표이사", "과장", "팀장", "주무관", "사무관", "부장", "이사", "연구원", "매니저", "차장", "실장"]
SIDO_GU = [
    ("서울특별시", "강남구"),
    ("서울특별시", "마포구"),
    ("서울특별시", "성동구"),
    ("서울특별시", "금천구"),
    ("서울특별시", "영등포구"),
    ("서울", "서초구"),
    ("경기도", "성남시 분당구"),
    ("부산광역시", "해운대구"),
]
ROADS = [
    "테헤란로",
    "월드컵북로",
    "성수이로",
    "가산디지털1로",
    "여의대로",
    "강남대로",
    "판교역로",
    "센텀중앙로",
    "양재대로",
]
DONGS = ["역삼동", "상암동", "성수동1가", "가산동", "여의도동", "서초동", "삼평동", "우동", "방배동"]
BANKS = ["국민은행", "신한은행", "우리은행", "하나은행", "농협", "기업은행", "카카오뱅크", "토스뱅크"]
DOMAINS = ["example.com", "example.co.kr", "test.kr", "mail.example.org"]
ROMAN = ["kim", "lee", "park", "choi", "jung", "minsu", "jiyeon", "hana", "dev", "ceo", "info"]

STATUTES = [
    "「개인정보 보호법」 제15조제1항",
    "「의료기기법」 제12조",
    "「여객자동차 운수사업법」 제34조제2항",
    "「전자금융거래법」 제28조",
    "「도로교통법」 제13조의2 제1항 제3호",
    "「정보통신 진흥 및 융합 활성화 등에 관한 특별법」 제36조",
    "「산업융합 촉진법」 제10조의3",
    "「약사법」 제50조제1항",
    "「위치정보의 보호 및 이용 등에 관한 법률」 제18조",
]
AGENCIES = [
    "금융위원회",
    "식품의약품안전처",
    "국토교통부",
    "과학기술정보통신부",
    "서울특별시",
    "중소벤처기업부",
    "개인정보보호위원회",
    "보건복지부",
    "산업통상부",
]
AMOUNTS = ["3,000만원", "1억 2천만 원", "500억원", "2조 원", "150만 원", "7,500원", "30억 원"]
DATES = ["2025. 3. 1.", "2025-03-01", "2024년 11월 5일", "2026. 1. 15.", "2023.07.20"]
PERCENTS = ["30%", "12.5%", "48.79%", "3퍼센트"]
COUNTS = ["직원 12명", "회원사 35개사", "3건", "14일", "2년", "6개월"]
PRODUCTS = [
    "자율주행 배송로봇",
    "AI 영상판독 소프트웨어",
    "비대면 진료 앱",
    "공유 킥보드 서비스",
    "간편결제 플랫폼",
    "디지털 치료기기",
]

# --------------------------------------------------------------------------------------------
# Slot values
# --------------------------------------------------------------------------------------------


def fake_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2))


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def phone(rng: random.Random, variant: str) -> str:
    a, b = digits(rng, 4), digits(rng, 4)
    forms = {
        "tune": [
            f"010-{a}-{b}",
            f"010 {a} {b}",
            f"010{a}{b}",
            f"02-{digits(rng, 3)}-{b}",
            f"031-{digits(rng, 3)}-{b}",
            f"+82 10 {a} {b}",
            fullwidth(f"010-{a}-{b}"),
        ],
        "bench": [
            f"010-{a}-{b}",
            f"010.{a}.{b}",
            f"+82-10-{a}-{b}",
            f"(02) {a}-{b}",
            f"070-{a}-{b}",
            f"051-{digits(rng, 3)}-{b}",
            fullwidth(f"010 {a} {b}"),
            f"010－{a}－{b}",
        ],
    }[variant]
    return rng.choice(forms)


def email(rng: random.Random, variant: str) -> str:
    local = rng.choice(ROMAN) + rng.choice(["", ".", "_"]) + rng.choice(ROMAN) + digits(rng, rng.choice([0, 2]))
    return f"{local}@{rng.choice(DOMAINS)}"


def brn(rng: random.Random, variant: str) -> str:
    while True:
        nine = f"{rng.randint(101, 899)}{rng.randint(81, 88)}{digits(rng, 4)}"
        if nine[5:9] != "0000":
            break
    ten = nine + str(check_digit(nine))
    dashed = f"{ten[:3]}-{ten[3:5]}-{ten[5:]}"
    forms = {"tune": [dashed, dashed, ten], "bench": [dashed, f"{ten[:3]} - {ten[3:5]} - {ten[5:]}", ten]}
    return rng.choice(forms[variant])


def rrn(rng: random.Random, variant: str) -> str:
    birth = f"{rng.randint(60, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    gender = rng.choice("1234")
    forms = {
        "tune": [f"{birth}-{gender}{digits(rng, 6)}", f"{birth}-{gender}******", f"{birth} - {gender}{digits(rng, 6)}"],
        "bench": [f"{birth}-{gender}{digits(rng, 6)}", f"{birth}{gender}{digits(rng, 6)}", f"{birth}-{gender}●●●●●●"],
    }
    return rng.choice(forms[variant])


def address(rng: random.Random, variant: str) -> tuple[str, str]:
    """(kept prefix, masked detail)."""
    sido, gu = rng.choice(SIDO_GU)
    if rng.random() < 0.6:
        detail = f"{rng.choice(ROADS)} {rng.randint(1, 400)}"
        if rng.random() < 0.5:
            detail += rng.choice(
                [f", {rng.randint(2, 20)}층", f" {rng.randint(101, 120)}동 {rng.randint(101, 1504)}호"]
            )
    else:
        detail = f"{rng.choice(DONGS)} {rng.randint(1, 999)}-{rng.randint(1, 99)}"
        if variant == "bench" and rng.random() < 0.3:
            detail = f"{rng.choice(DONGS)} {rng.randint(1, 999)}번지"
    prefix = f"{sido} {gu} " if rng.random() < 0.8 else ""
    return prefix, detail


def account(rng: random.Random, variant: str) -> str:
    forms = [
        f"{digits(rng, 3)}-{digits(rng, 3)}-{digits(rng, 6)}",
        f"{digits(rng, 6)}-{digits(rng, 2)}-{digits(rng, 6)}",
        f"{digits(rng, 4)}-{digits(rng, 3)}-{digits(rng, 6)}",
    ]
    if variant == "bench":
        forms.append(digits(rng, 12))
    return rng.choice(forms)


def card(rng: random.Random, variant: str) -> str:
    body = "4" + digits(rng, 14)
    for last in "0123456789":
        candidate = body + last
        total = sum(
            (int(c) * 2 - 9 if int(c) * 2 > 9 else int(c) * 2) if i % 2 else int(c)
            for i, c in enumerate(reversed(candidate))
        )
        if total % 10 == 0:
            break
    groups = [candidate[i : i + 4] for i in range(0, 16, 4)]
    return rng.choice(["-".join(groups), " ".join(groups)])


# --------------------------------------------------------------------------------------------
# Templates: {kind} slots are labelled personal data, {d:kind} slots are distractors to keep
# --------------------------------------------------------------------------------------------

TEMPLATES: dict[str, list[str]] = {
    "tune": [
        "저희 회사 {name} 대표가 {d:agency}에 문의했으나 답을 받지 못했습니다.",
        "담당자 {name}에게 {phone}로 연락 주시기 바랍니다.",
        "{d:statute}에 따라 {d:product} 출시가 {d:count} 지연되었습니다.",
        "문의: {email} / {phone}",
        "사업자등록번호 {brn}인 저희 법인은 {d:amount}의 손실을 입었습니다.",
        "본사 주소는 {address}입니다.",
        "환불금은 {bank} {account}(예금주 {name})로 보내 주세요.",
        "신청인 {name}의 주민등록번호 {rrn}은 제출 서류에 포함되어 있습니다.",
        "{d:date}부터 매출이 {d:percent} 줄었습니다.",
        "결제에 사용한 카드 {card}의 승인이 거절되었습니다.",
        "{name} 과장님이 {d:date}에 방문하셨습니다.",
        "{d:agency} {name} 사무관은 {d:statute} 해석을 미뤘습니다.",
        "{d:product} 실증에 {d:amount}이 들었고 {d:count}이 걸렸습니다.",
    ],
    "bench": [
        "지난달 {d:agency}에서 {name} {title}과 면담했는데 {d:statute} 개정은 어렵다는 답만 들었습니다.",
        "연락처는 {phone}이고 메일은 {email}입니다. 회신 부탁드립니다.",
        "우리 회사({brn})는 {d:product}를 개발하며 {d:amount}을 투자했습니다.",
        "사업장 소재지: {address}",
        "{name}님께서 알려주신 대로 서류를 보냈지만 {d:count}째 소식이 없습니다.",
        "보증금 반환 계좌: {account} {bank}",
        "제보자 주민번호 {rrn}, 전화 {phone}",
        "{d:date} 기준 점유율은 {d:percent}이며 경쟁사 대비 불리합니다.",
        "카드번호 {card}로 결제된 건의 취소를 요청합니다.",
        "{d:statute} 때문에 {d:product} 판매가 막혀 {d:amount} 규모의 계약을 놓쳤습니다.",
        "어제 {name}에게 들은 바로는 {d:agency}도 검토 중이라고 합니다.",
        "사업자번호 {brn} 법인의 물류창고({address})가 인허가를 받지 못했습니다.",
        "{d:agency}와 {d:agency} 모두 소관이 아니라고 하여 {d:count} 동안 처리가 멈췄습니다.",
    ],
}

PII_SLOTS = {"name", "phone", "email", "brn", "rrn", "address", "account", "card"}


@dataclass
class Sample:
    text: str
    gold: list[tuple[int, int, str]] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)


def _fill(template: str, rng: random.Random, variant: str, sample: Sample) -> None:
    pos = 0
    parts: list[str] = []
    offset = len(sample.text)
    while pos < len(template):
        start = template.find("{", pos)
        if start < 0:
            parts.append(template[pos:])
            break
        parts.append(template[pos:start])
        end = template.index("}", start)
        slot = template[start + 1 : end]
        pos = end + 1
        here = offset + sum(len(p) for p in parts)
        if slot.startswith("d:"):
            value = rng.choice(
                {
                    "agency": AGENCIES,
                    "statute": STATUTES,
                    "amount": AMOUNTS,
                    "date": DATES,
                    "percent": PERCENTS,
                    "count": COUNTS,
                    "product": PRODUCTS,
                }[slot[2:]]
            )
            sample.keep.append(value)
            parts.append(value)
        elif slot == "title":
            parts.append(rng.choice(TITLES))
        elif slot == "bank":
            value = rng.choice(BANKS)
            sample.keep.append(value)
            parts.append(value)
        elif slot == "address":
            prefix, detail = address(rng, variant)
            parts.append(prefix)
            sample.gold.append((here + len(prefix), here + len(prefix) + len(detail), "address"))
            parts.append(detail)
        else:
            make = {"name": lambda r, v: fake_name(r), "phone": phone, "email": email, "brn": brn}
            make.update({"rrn": rrn, "account": account, "card": card})
            value = make[slot](rng, variant)
            sample.gold.append((here, here + len(value), slot))
            parts.append(value)
    sample.text += "".join(parts)


def generate(n: int, *, seed: int, variant: str) -> list[Sample]:
    rng = random.Random(seed)
    samples = []
    for _ in range(n):
        sample = Sample(text="")
        for i, template in enumerate(rng.sample(TEMPLATES[variant], rng.randint(2, 4))):
            if i:
                sample.text += " " if rng.random() < 0.7 else "\n"
            _fill(template, rng, variant, sample)
        samples.append(sample)
    return samples


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


def evaluate(samples: list[Sample], *, analyse: bool = True) -> None:
    tp_gold: Counter[str] = Counter()
    any_gold: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    tp_pred: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    leak_chars: Counter[str] = Counter()
    gold_chars: Counter[str] = Counter()
    keep_total = keep_kept = 0
    for sample in samples:
        result = redact(sample.text, analyse=analyse)
        assert result.source == sample.text, "generated text must already be normalised"
        spans = [(s.start, s.end, str(s.kind)) for s in result.spans]
        covered = [False] * len(sample.text)
        for s, e, _k in spans:
            for i in range(s, e):
                covered[i] = True
        for gs, ge, gk in sample.gold:
            n_gold[gk] += 1
            gold_chars[gk] += ge - gs
            leak_chars[gk] += sum(1 for i in range(gs, ge) if not covered[i])
            if any(s < ge and gs < e and k == gk for s, e, k in spans):
                tp_gold[gk] += 1
            if any(s < ge and gs < e for s, e, _k in spans):
                any_gold[gk] += 1
        for s, e, k in spans:
            n_pred[k] += 1
            if any(s < ge and gs < e and k == gk for gs, ge, gk in sample.gold):
                tp_pred[k] += 1
        for value in sample.keep:
            keep_total += 1
            keep_kept += value in result.text
    print(f"{'kind':<15}{'gold':>6}{'pred':>6}{'precision':>11}{'recall':>8}{'any-mask':>10}{'visible':>9}")
    for kind in [k.value for k in Kind if k.value in n_gold or k.value in n_pred]:
        p = tp_pred[kind] / n_pred[kind] if n_pred[kind] else float("nan")
        r = tp_gold[kind] / n_gold[kind] if n_gold[kind] else float("nan")
        a = any_gold[kind] / n_gold[kind] if n_gold[kind] else float("nan")
        v = leak_chars[kind] / gold_chars[kind] if gold_chars[kind] else float("nan")
        print(f"{kind:<15}{n_gold[kind]:>6}{n_pred[kind]:>6}{p:>11.3f}{r:>8.3f}{a:>10.3f}{v:>9.3f}")
    total_p = sum(tp_pred.values()) / max(1, sum(n_pred.values()))
    total_r = sum(tp_gold.values()) / max(1, sum(n_gold.values()))
    print(f"{'all':<15}{sum(n_gold.values()):>6}{sum(n_pred.values()):>6}{total_p:>11.3f}{total_r:>8.3f}")
    print(f"distractors kept verbatim: {keep_kept}/{keep_total} = {keep_kept / max(1, keep_total):.3f}")


def throughput(path: Path, limit: int, *, analyse: bool = True) -> None:
    redact("워밍업: 담당자 김철수")  # load the analyser outside the timing
    texts: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            texts.append(json.loads(line).get("content") or "")
            if limit and len(texts) >= limit:
                break
    size = sum(len(t.encode("utf-8")) for t in texts)
    kinds: Counter[str] = Counter()
    started = time.perf_counter()
    for text in texts:
        kinds.update(redact(text, analyse=analyse).counts())
    elapsed = time.perf_counter() - started
    print(f"petitions: {len(texts)} texts, {size / 1e6:.2f} MB in {elapsed:.1f} s")
    print(f"throughput: {len(texts) / elapsed:.1f} texts/s, {size / 1e6 / elapsed:.3f} MB/s")
    per_k = ", ".join(f"{k}={n * 1000 / len(texts):.1f}" for k, n in kinds.most_common())
    print(f"masks per 1,000 petitions: {per_k or 'none'} (total {sum(kinds.values()) * 1000 / len(texts):.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--templates", choices=sorted(TEMPLATES), default="bench")
    parser.add_argument("--petitions", type=int, default=0, help="how many petitions to time (0 = all, -1 = skip)")
    shared = Path(os.environ.get("HAECHI_SHARED_DIR") or Path(__file__).resolve().parent.parent.parent / "shared")
    parser.add_argument(
        "--data", type=Path, default=shared / "data", help="../shared/data (or $HAECHI_SHARED_DIR/data)"
    )
    parser.add_argument("--no-analyser", action="store_true", help="redact(analyse=False): regexes and titles only")
    args = parser.parse_args()
    analyse = not args.no_analyser
    started = time.perf_counter()
    samples = generate(args.texts, seed=args.seed, variant=args.templates)
    print(f"generated {len(samples)} texts from the '{args.templates}' templates (seed {args.seed})")
    print(f"analyser: {'kiwipiepy' if analyse else 'off (analyse=False)'}")
    evaluate(samples, analyse=analyse)
    print(f"quality pass: {time.perf_counter() - started:.1f} s")
    if args.petitions >= 0:
        petitions = args.data / "real" / "petitions_cheongwadae" / "petitions.jsonl"
        throughput(petitions, args.petitions, analyse=analyse)


if __name__ == "__main__":
    main()
