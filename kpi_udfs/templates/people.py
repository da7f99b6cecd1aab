"""Made-up staff for ``kpi new --staff N``: Chinese names and plausible numbers, reproducible.

A team of N + 1 is the team of N with one more person: names are drawn in order from one
stream and each person's numbers from their own, so adding the 31st employee to the
30-person workbook gives the 31-person one (the README's way of adding someone).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
_GIVEN = (
    "静", "敏", "丽", "婷", "雪", "芳", "娜", "磊", "洋", "勇", "杰", "涛", "强", "军", "燕", "慧", "颖",
    "欣怡", "梓涵", "子轩", "浩然", "雨桐", "思远", "佳琪", "晓雯", "俊杰", "一鸣", "诗涵", "嘉怡",
    "宇航", "梦琪", "文博", "心怡", "晨曦", "志强", "海燕", "春梅", "建华", "丽娟", "明轩", "紫萱",
)


def rng(seed: str) -> random.Random:
    """A random generator fixed by ``seed`` (e.g. the template name and a person's index)."""
    return random.Random(seed)


def names(r: random.Random, n: int) -> list[str]:
    """n distinct Chinese names, drawn in order (the first n of n + 1 are the n)."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        name = r.choice(_SURNAMES) + r.choice(_GIVEN)
        if len(seen) > 2000:  # very large teams: number the repeats
            name += str(len(out) + 1)
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


#: ``person(rng, index, name)`` → one staff row (Input-column order, name first).
Person = Callable[[random.Random, int, str], tuple[Any, ...]]


def team(seed: str, n: int, person: Person) -> list[tuple[Any, ...]]:
    """n made-up staff: names from one stream, each person's numbers from their own."""
    return [person(rng(f"{seed}:{i}"), i, name) for i, name in enumerate(names(rng(f"{seed}:names"), n))]


def pick(r: random.Random, choices: tuple, weights: tuple) -> object:
    return r.choices(choices, weights=weights)[0]
