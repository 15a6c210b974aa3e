"""python manage.py match_batch FIRMS.jsonl OUT.jsonl [--as-of YYYY-MM-DD] [--top N]"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from firms.models import Cluster
from programs import selectors
from programs.engine import CompiledPrograms
from programs.models import SupportProgram
from programs.profiles import ProfileError, profile_from_json


class Command(BaseCommand):
    help = (
        "기업 프로필(JSONL)마다 자격이 되는 지원사업을 적합도 순으로 이유와 함께 씁니다. "
        "--as-of 날짜에 접수 중인 것으로 보고(지난 공고 포함) 계산합니다."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("firms", help="입력 JSONL: 한 줄에 기업 하나")
        parser.add_argument("out", help="출력 JSONL")
        parser.add_argument("--as-of", dest="as_of", help="기준일 YYYY-MM-DD (기본: 오늘)")
        parser.add_argument("--top", type=int, default=10, help="기업당 최대 사업 수 (기본 10)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else timezone.localdate()
        except ValueError:
            raise CommandError("--as-of는 YYYY-MM-DD 형식이어야 합니다.") from None
        top = options["top"]
        if not 1 <= top <= 1000:
            raise CommandError("--top은 1~1000 사이여야 합니다.")
        source = Path(options["firms"])
        if not source.is_file():
            raise CommandError(f"파일이 없습니다: {source}")
        rules = selectors.rules_for(SupportProgram.objects.all())
        compiled = CompiledPrograms(rules)
        open_mask = compiled.open_mask(as_of, ignore_archive=True)
        clusters = {name: slug for slug, name in Cluster.objects.values_list("slug", "name")}
        written = errors = 0
        with source.open(encoding="utf-8-sig") as lines, Path(options["out"]).open("w", encoding="utf-8") as out:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    profile = profile_from_json(json.loads(line), clusters=clusters)
                except (json.JSONDecodeError, ProfileError) as exc:
                    errors += 1
                    self.stderr.write(f"{number}번째 줄 건너뜀: {exc}")
                    continue
                ranked = compiled.top(profile, as_of=as_of, top=top, open_mask=open_mask, ignore_archive=True)
                record = {
                    "id": profile.key,
                    "programs": [{"program": m.rule.key, "score": m.score, "reasons": m.reasons} for m in ranked],
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
        self.stdout.write(f"firms={written} skipped={errors} programs={len(rules)} as_of={as_of}")
