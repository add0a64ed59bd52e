"""Production settings pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_check_deploy_is_clean_with_production_environment():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "a" * 20 + "-production-secret-with-enough-entropy-1234567890",
        "ALLOWED_HOSTS": "helpdesk.example.com",
    }
    env.pop("DJANGO_READ_DOT_ENV_FILE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout
