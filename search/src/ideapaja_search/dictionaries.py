"""simplemma's Finnish and Swedish dictionaries as memory-mapped MARISA tries, built once per
machine.

Why: simplemma's low-memory backend decompresses and indexes its packaged dictionary in every
process that starts, which cost intake and review 5.3 s of CPU and +65 MB each at every start
(measured; six services start on two cores, so the whole stack waited for it). The same
dictionaries as MARISA tries (simplemma's own ``TrieDictionaryFactory``, the ``marisa-trie``
extra) are 18 MB (fi) and 5 MB (sv) on disk; a process maps them in milliseconds, and their
pages are the operating system's file cache, shared by every process that maps them.

Building takes about 11 s and 0.7 GB once per machine and simplemma version: the install
(``scripts/bootstrap.py``, the Dockerfile) runs ``python -m ideapaja_search.dictionaries``, so a
service never builds at start-up; one that finds no trie builds it then, under a lock, so two
services starting together build it once, and one that cannot write there (a read-only image)
falls back to simplemma's low-memory backend. The tries live in
``IDEAPAJA_SEARCH_DICTIONARY_DIR``, else beside the installed packages (``<venv>/share``), so an
image carries them and nothing is written into a home directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import structlog
from marisa_trie import BytesTrie
from simplemma.__metadata__ import __version__ as SIMPLEMMA_VERSION
from simplemma.strategies.dictionaries import LOW_MEMORY_DICTIONARY_FACTORY
from simplemma.strategies.dictionaries.trie_dictionary_factory import (
    TrieDictionaryFactory,
    TrieWrapDict,
)

DIRECTORY_VARIABLE = "IDEAPAJA_SEARCH_DICTIONARY_DIR"
# The languages search lemmatises through a dictionary (analysis.py).
LANGUAGES = ("fi", "sv")

log = structlog.get_logger()


def dictionary_dir() -> Path:
    """Where the tries are: ``$IDEAPAJA_SEARCH_DICTIONARY_DIR``, else in the Python environment
    the packages are installed in (one folder per simplemma version, whose dictionaries may
    change)."""
    configured = os.environ.get(DIRECTORY_VARIABLE)
    if configured:
        return Path(configured)
    return Path(sys.prefix) / "share" / "ideapaja-search" / f"simplemma-{SIMPLEMMA_VERSION}"


class MappedTrieFactory(TrieDictionaryFactory):
    """simplemma's trie factory, but the tries are memory-mapped rather than read into each
    process, written atomically (a process never maps half a file) and built under a lock."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or dictionary_dir()
        super().__init__(cache_max_size=len(LANGUAGES), disk_cache_dir=str(self.directory))

    def path(self, lang: str) -> Path:
        return self.directory / f"{lang}.dic"

    def _get_dictionary_uncached(self, lang: str) -> Mapping[str, str]:
        path = self.path(lang)
        if not path.exists():
            try:
                self.build(lang)
            except OSError as exc:  # read-only: what simplemma does without the tries
                log.warning("search_dictionary_not_built", lang=lang, error=repr(exc))
                return LOW_MEMORY_DICTIONARY_FACTORY.get_dictionary(lang)
        trie = BytesTrie()
        trie.mmap(str(path))
        return TrieWrapDict(trie)

    def build(self, lang: str) -> Path:
        """Build ``lang``'s trie into the directory unless it is there; return its path."""
        path = self.path(lang)
        self.directory.mkdir(parents=True, exist_ok=True)
        with _locked(self.directory / f".{lang}.lock"):
            if not path.exists():  # another process may have built it while we waited
                self._write_trie_to_disk(lang, self._build_trie(lang))
        return path

    def _write_trie_to_disk(self, lang: str, trie: BytesTrie) -> None:
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{lang}.", suffix=".tmp")
        os.close(fd)
        try:
            trie.save(temporary)
            os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from a service's own user
            os.replace(temporary, self.path(lang))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def build_all(directory: Path | None = None) -> list[Path]:
    """Build every language's trie that is missing (what the install runs)."""
    factory = MappedTrieFactory(directory)
    return [factory.build(lang) for lang in LANGUAGES]


def main() -> int:
    paths = build_all()
    for path in paths:
        print(f"search dictionary {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
