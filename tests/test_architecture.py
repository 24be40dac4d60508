"""The package map holds: import contracts, no private reaches across packages, small files,
and a light ``import protocol_match`` (README, "Development")."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

SRC = ROOT / "src" / "protocol_match"
MAX_LINES = 400
# Data, not code: the generator's phrase tables may stay long.
LONG_DATA_FILES = {"synth/_bank.py"}
# Private names of the standard library that the code may use.
STDLIB_PRIVATE = {("os", "_exit")}


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module under src/protocol_match."""
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _unit(module: str) -> str:
    """The unit that owns a module's privates: its first-level package (or top-level module)."""
    return ".".join(module.split(".")[:2])


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_import_contracts_hold() -> None:
    """Layers, no cycles, private modules, and who may import torch, faiss, ray and synth
    (the contracts are in pyproject.toml, [tool.importlinter])."""
    exe = Path(sys.executable).with_name("lint-imports")
    command = str(exe) if exe.is_file() else shutil.which("lint-imports")
    assert command, 'lint-imports not found: pip install -e ".[test]" (import-linter)'
    done = subprocess.run(
        [command, "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_no_private_names_cross_packages() -> None:
    """No module imports another package's ``_private`` names or reaches into another
    package's private attributes (``store._conn`` from outside the store, say)."""
    modules = _modules()
    owned: dict[str, set[str]] = {}  # unit -> private names defined in it
    trees = {m: ast.parse(p.read_text(encoding="utf-8")) for m, p in modules.items()}
    for module, tree in trees.items():
        names = owned.setdefault(_unit(module), set())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    bad = []
    for module, tree in trees.items():
        path = modules[module]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = _absolute(module, path, node)
                if source.startswith("protocol_match") and _unit(source) != _unit(module):
                    bad += [
                        f"{module}: from {source} import {a.name}"
                        for a in node.names
                        if _private(a.name)
                    ]
            elif isinstance(node, ast.Attribute) and _private(node.attr):
                value = node.value
                if isinstance(value, ast.Name) and (
                    value.id in ("self", "cls") or (value.id, node.attr) in STDLIB_PRIVATE
                ):
                    continue
                if node.attr not in owned[_unit(module)]:
                    bad.append(f"{module}:{node.lineno}: {ast.unparse(node)}")
    assert bad == []


def test_files_stay_small() -> None:
    """Files of at most 400 lines, one idea each (the phrase tables are data)."""
    long = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert set(long) <= LONG_DATA_FILES, long


def test_import_and_help_load_no_heavy_library() -> None:
    """``import protocol_match``, the CLI's ``--help`` and ``from protocol_match import
    Corpus`` import neither torch nor faiss nor ray: they are loaded on first use."""
    code = (
        "import sys\n"
        "import protocol_match\n"
        "from protocol_match.cli import cli\n"
        "try: cli.main(['--help'], standalone_mode=False)\n"
        "except SystemExit: pass\n"
        "from protocol_match import Corpus, novelty_scores\n"
        "heavy = ('torch', 'faiss', 'ray', 'sentence_transformers', 'transformers', 'model2vec',"
        " 'onnxruntime')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
