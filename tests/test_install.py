"""A non-editable install in a fresh virtual environment finds the bundled data.

This is the acceptance check of the foundation issue: from outside the checkout,
``pip install <checkout>`` then ``import oloy_model`` must work and reproduce the census total.
The venv reuses this interpreter's site packages for the heavy dependencies (numpy, pandas,
...) so the test needs no download beyond the build backend; the package itself is installed
into the venv, not taken from the checkout (checked through ``oloy_model.__file__``).
"""
from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not (CHECKOUT / "pyproject.toml").is_file(), reason="needs the source checkout")
def test_non_editable_install_from_outside_the_checkout(tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=True).create(env_dir)
    python = env_dir / "bin" / "python"
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check", str(CHECKOUT)],
        cwd=tmp_path, capture_output=True, text=True, env=environment, timeout=600,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    code = "import oloy_model as om; print(om.__file__); print(om.base_population().population.sum())"
    run = subprocess.run([str(python), "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env=environment, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    location, total = run.stdout.split()
    assert Path(location).is_relative_to(env_dir), location
    assert float(total) == 3337559.0
    assert (Path(location).parent / "_data" / "MANIFEST.sha256").is_file()


def test_ci_runs_the_readme_test_command():
    readme = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    ci = (CHECKOUT / ".ci" / "run").read_text(encoding="utf-8")
    command = 'python -m pip install -e ".[test]" && python -m pytest'
    assert command in readme and command in ci
