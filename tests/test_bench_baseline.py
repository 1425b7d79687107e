"""The benchmark's bare-Django baseline loads the project's models without the admin or DRF."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_baseline_settings_load_the_app_and_its_urls(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.baseline_settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'baseline.sqlite3'}",
    }
    code = "import django; django.setup(); import bench.baseline; print(len(bench.baseline.urlpatterns))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 0
