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
