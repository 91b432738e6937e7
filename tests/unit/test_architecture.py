"""Guards on the shape of the code: the domain stays pure, modules stay small."""
import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "tocsin"
IO_MODULES = {"sqlite3", "psycopg", "fastapi", "starlette", "uvicorn", "httpx", "requests", "socket", "subprocess",
              "os", "io", "pathlib", "shutil", "yaml", "urllib", "http"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: must stay inside the domain package
                assert node.level == 1, f"{path.name} imports from outside the domain package"
            elif node.module:
                found.add(node.module.split(".")[0])
    return found


def test_domain_imports_no_io():
    for path in (SRC / "domain").glob("*.py"):
        bad = _imports(path) & (IO_MODULES | {"tocsin"})
        assert not bad, f"domain/{path.name} imports {bad}"


def test_no_module_over_500_lines():
    big = [(p.relative_to(SRC), n) for p in SRC.rglob("*.py") if (n := len(p.read_text("utf-8").splitlines())) > 500]
    assert not big, f"modules over 500 lines: {big}"


def test_every_cli_command_takes_db():
    import argparse

    from tocsin.adapters.cli.main import build_parser

    def leaves(parser, path=()):
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            yield path, parser
            return
        for name, child in subs[0].choices.items():
            yield from leaves(child, path + (name,))

    missing = [" ".join(path) for path, p in leaves(build_parser())
               if not any("--db" in a.option_strings for a in p._actions)]
    assert not missing, f"commands without --db: {missing}"
