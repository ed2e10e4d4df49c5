"""The dictionaries as mapped tries: built once, atomically and readable by any user, the same
entries as simplemma's own backend, and a directory that cannot be written falls back to it."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from marisa_trie import BytesTrie
from simplemma.strategies.dictionaries import LOW_MEMORY_DICTIONARY_FACTORY

from ideapaja_search import dictionaries
from ideapaja_search.dictionaries import DIRECTORY_VARIABLE, MappedTrieFactory, dictionary_dir

pytestmark = pytest.mark.unit


class CountingFactory(MappedTrieFactory):
    """Builds a two-word trie instead of simplemma's (seconds), and counts the builds."""

    builds = 0

    def _build_trie(self, lang: str) -> BytesTrie:
        type(self).builds += 1
        return BytesTrie([("katuja", b"katu"), ("katu", b"katu")])


@pytest.fixture(autouse=True)
def _no_builds() -> None:
    CountingFactory.builds = 0


def test_a_built_trie_is_mapped_with_simplemmas_entries(tmp_path: Path) -> None:
    factory = MappedTrieFactory(tmp_path)
    path = factory.build("sv")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # a service's own user reads it
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["sv.dic"]
    mapped = factory.get_dictionary("sv")
    packaged = LOW_MEMORY_DICTIONARY_FACTORY.get_dictionary("sv")
    sample = ["biblioteken", "biblioteket", "husen", "gick", "kommunerna", "xqzzy", "är"]
    assert [mapped.get(word) for word in sample] == [packaged.get(word) for word in sample]
    assert mapped.get("biblioteken") == "bibliotek"
    assert len(mapped) == len(packaged)


def test_an_existing_trie_is_not_built_again(tmp_path: Path) -> None:
    CountingFactory(tmp_path).build("fi")
    CountingFactory(tmp_path).build("fi")
    assert CountingFactory.builds == 1
    assert CountingFactory(tmp_path).get_dictionary("fi").get("katuja") == "katu"
    assert CountingFactory.builds == 1


def test_processes_starting_together_build_once(tmp_path: Path) -> None:
    """The lock: the second waits for the first's trie instead of building its own."""
    threads = [
        threading.Thread(target=CountingFactory(tmp_path).get_dictionary, args=("fi",))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert CountingFactory.builds == 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_directory_that_cannot_be_written_falls_back_to_simplemmas_backend(
    tmp_path: Path,
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    factory = CountingFactory(blocked / "dictionaries")
    assert factory.get_dictionary("sv").get("biblioteken") == "bibliotek"
    assert CountingFactory.builds == 0


def test_the_directory_is_the_environments_unless_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(DIRECTORY_VARIABLE, raising=False)
    monkeypatch.setattr(dictionaries.sys, "prefix", str(tmp_path))
    assert dictionary_dir().is_relative_to(tmp_path / "share" / "ideapaja-search")
    monkeypatch.setenv(DIRECTORY_VARIABLE, str(tmp_path / "elsewhere"))
    assert dictionary_dir() == tmp_path / "elsewhere"
