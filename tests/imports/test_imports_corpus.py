"""The committed corpus is exactly what its generator writes (byte for byte, xlsx included)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"


def test_the_corpus_files_are_what_make_corpus_writes():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    files = module.corpus_files()
    assert len(files) >= 38
    for path, data in files.items():
        assert path.read_bytes() == data, f"{path.name}: run tests/imports/corpus/make_corpus.py"
