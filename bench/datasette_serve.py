"""`datasette serve`, exactly, without uvicorn's access log: the gunicorn targets write none either.

Run with .venv-bench's Python (Datasette lives there, never in the project's virtualenv):
`.venv-bench/bin/python bench/datasette_serve.py serve FILE --port N ...`.
"""

import sys
from typing import Any

# Both are installed in .venv-bench only (requirements-bench.txt), not in the virtualenv mypy runs in.
import uvicorn  # type: ignore[import-not-found]
from datasette.cli import cli  # type: ignore[import-not-found]

run = uvicorn.run


def run_quietly(app: Any, **options: Any) -> None:
    run(app, **{**options, "access_log": False})


if __name__ == "__main__":
    uvicorn.run = run_quietly
    sys.exit(cli(sys.argv[1:], prog_name="datasette"))
