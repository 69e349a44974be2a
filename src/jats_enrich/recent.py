"""Things worth keeping between calls (an Enricher per set of options, an open zip package), at
most so many of them: the least recently used goes first, closed if it holds anything open."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    def __init__(self, size: int, close: Callable[[V], None] | None = None) -> None:
        self.size = size
        self.close = close
        self._kept: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The value kept for ``key``, else ``make()``'s, kept from now on."""
        if key in self._kept:
            self._kept.move_to_end(key)
            return self._kept[key]
        value = make()
        self._kept[key] = value
        while len(self._kept) > self.size:
            self._evict(next(iter(self._kept)))
        return value

    def drop(self, wanted: Callable[[K], bool]) -> None:
        """Let go of every value whose key is ``wanted``."""
        for key in [k for k in self._kept if wanted(k)]:
            self._evict(key)

    def __len__(self) -> int:
        return len(self._kept)

    def _evict(self, key: K) -> None:
        value = self._kept.pop(key)
        if self.close is not None:
            self.close(value)
