"""What a run reads: article files, folders, packages (zip, tar, tar.gz), a list file.

Discovery only names the inputs; nothing is read here but folder listings and list files.
Each input becomes a ``Source``: one article file, or one package whose article members are
processed and whose other members are copied. Outputs mirror inputs: ``relative`` is where a
source's output goes under the output folder.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from jats_enrich.errors import UsageError
from jats_enrich.storage import articles_under, canonical, is_remote, joined, local

ARTICLE_PATTERNS = ("*.xml", "*.nxml")
PACKAGE_SUFFIXES: dict[str, Literal["zip", "tar"]] = {
    ".zip": "zip",
    ".tar": "tar",
    ".tar.gz": "tar",
    ".tgz": "tar",
    ".tar.bz2": "tar",
    ".tar.xz": "tar",
}


@dataclass(frozen=True)
class Source:
    """One input: an article file, or a package of articles."""

    path: Path
    relative: Path  # where its output goes, under the output folder
    kind: Literal["article", "zip", "tar"] = "article"
    refusal: str | None = None  # set when the input must not be read (a symlink leading out)
    root: Path | None = None  # the folder it was found in (None: named itself)
    url: str | None = None  # a remote article (storage.py): read there, by the worker

    @property
    def is_package(self) -> bool:
        return self.kind != "article"

    @property
    def location(self) -> str:
        """Where it is read: its URL, or its path."""
        return self.url if self.url is not None else str(self.path)


def package_kind(path: Path) -> Literal["zip", "tar"] | None:
    name = path.name.lower()
    for suffix, kind in sorted(PACKAGE_SUFFIXES.items(), key=lambda item: -len(item[0])):
        if name.endswith(suffix):
            return kind
    return None


def is_article_name(name: str, patterns: tuple[str, ...] = ARTICLE_PATTERNS) -> bool:
    """Does a file or member name match the article patterns (case-insensitive)?"""
    base = name.rsplit("/", 1)[-1].lower()
    return any(fnmatch.fnmatch(base, p.lower()) or fnmatch.fnmatch(name.lower(), p.lower()) for p in patterns)


def discover(
    inputs: Iterable[Path | str],
    *,
    patterns: tuple[str, ...] = ARTICLE_PATTERNS,
    from_list: Path | None = None,
    exclude: Path | str | None = None,
) -> list[Source]:
    """Every source named: files and packages as given, folders searched recursively for files
    matching ``patterns`` (and for packages), the entries of a list file; remote folders and
    files as URLs (their articles only: a package is read from a local path). ``exclude`` (the
    output folder) is never searched, so a re-run into a folder inside the input reads no earlier
    output."""
    skip = exclude.resolve() if isinstance(exclude, Path) else None
    sources: list[Source] = []
    given: list[Path | str] = [i if is_remote(i) else local(i) for i in inputs]
    if from_list is not None:
        given += _listed(from_list)
    for each in given:
        if isinstance(each, str):
            sources.extend(_remote(each, patterns, exclude if isinstance(exclude, str) else None))
            continue
        path = each
        if path.is_dir():
            sources.extend(_folder(path, patterns, skip))
        elif path.is_file():
            kind = package_kind(path)
            sources.append(Source(path, Path(path.name), kind or "article"))
        elif path.exists():
            raise UsageError(f"{path}: not a regular file (a FIFO, a device); not read")
        else:
            raise UsageError(f"{path}: no such file or folder")
    seen: dict[Path, str] = {}
    for source in sources:
        if source.relative in seen:
            raise UsageError(
                f"{source.location} and {seen[source.relative]} would both be written to {source.relative}; "
                "run them separately"
            )
        seen[source.relative] = source.location
    return sources


def _remote(url: str, patterns: tuple[str, ...], skip: str | None) -> list[Source]:
    """The articles of a remote folder (or the remote article itself)."""
    if package_kind(Path(url.rsplit("/", 1)[-1])) is not None:
        raise UsageError(f"{url}: a package is read from a local path only; download it first")
    found = articles_under(url, lambda relative: is_article_name(relative, patterns))
    if skip is None:
        return [Source(Path(relative), Path(relative), url=each) for each, relative in found]
    here, under = canonical(url).rstrip("/") + "/", canonical(skip).rstrip("/") + "/"  # however each is spelled
    return [
        Source(Path(relative), Path(relative), url=each)
        for each, relative in found
        if not (here + relative).startswith(under)
    ]


def is_input(path: Path, sources: list[Source]) -> bool:
    """Would writing ``path`` (renaming a file onto it) replace one of the sources?

    Only a source of the same name, or a link, can resolve to the same file: resolving each of
    thousands of sources (a look-up per folder of its path) would cost more than the check needs."""
    target = path.resolve()
    return any(
        source.url is None
        and (source.path.name == target.name or source.path.is_symlink())
        and source.path.resolve() == target
        for source in sources
    )


def _listed(list_file: Path) -> list[Path | str]:
    """The paths in a list file, one per line ('#' comments, blank lines ignored), relative to it;
    and URLs."""
    try:
        lines = list_file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"{list_file}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{list_file}: not UTF-8 text") from None
    base = list_file.parent
    named = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return [name if is_remote(name) else base / local(name) for name in named]


def _ours(name: str) -> bool:
    """A temporary file or staging folder of a run (files.py names them so)."""
    return name.startswith(".jats-enrich-") and name.endswith(".tmp")


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True  # gone or unreadable: the read says so, with the reason


def _folder(folder: Path, patterns: tuple[str, ...], skip: Path | None) -> list[Source]:
    root = folder.resolve()
    sources = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not _ours(d) and (skip is None or (here / d).resolve() != skip))
        for name in sorted(filenames):
            if _ours(name):
                continue  # a temporary file of a run (this one's, or a killed one's): no input
            path = here / name
            relative = path.relative_to(folder)
            kind = package_kind(path)
            if kind is None and not is_article_name(relative.as_posix(), patterns):
                continue
            refusal = None
            # Folders reached through links are not walked (os.walk), so only a file can be a
            # link out; resolving every path would cost more than the link check.
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                refusal = f"{path}: symbolic link leading outside the input folder; not read"
            elif not _regular(path):
                refusal = f"{path}: not a regular file (a FIFO, a device); not read"
            sources.append(Source(path, relative, kind or "article", refusal, folder))
    return sources


def check_remote_outputs(sources: list[Source], out: str) -> None:
    """A remote output folder takes articles, never a package (assembled from a local staging
    folder), and never writes over one of the run's own inputs."""
    for source in sources:
        if source.is_package:
            raise UsageError(f"{source.path}: a package's output is written to a local folder only, not to {out}")
        if source.url is not None and canonical(source.url) == canonical(joined(out, source.relative.as_posix())):
            raise UsageError(f"{out}: writing {source.relative} there would overwrite the input {source.url}")


def check_outputs(sources: list[Source], out: Path) -> None:
    """Refuse a run that would write over one of its inputs, or outside the output folder.

    Every output path is compared with every input path, both resolved (links, ``..``): a
    source's ``out/RELATIVE`` may be another source's path (``enrich p o/q/x.xml --out o``).
    A folder is resolved once, so this costs a look-up per folder, not per article. A folder
    inside the output folder that is a link leading out of it is refused too: writes would land
    outside the folder the user named."""
    target = out.resolve()
    folders: dict[Path, Path] = {}

    def resolved(path: Path) -> Path:
        parent = folders.get(path.parent)
        if parent is None:
            parent = folders[path.parent] = path.parent.resolve()
        return (parent / path.name).resolve() if (parent / path.name).is_symlink() else parent / path.name

    inputs = {resolved(source.path): source for source in sources if source.url is None}
    for source in sources:
        destination = resolved(out / source.relative)
        if not destination.is_relative_to(target):
            raise UsageError(f"{out / source.relative}: leads outside the output folder {out} (a link); refused")
        clash = inputs.get(destination)
        if clash is not None:
            raise UsageError(f"{out}: writing {source.relative} there would overwrite the input {clash.path}")
