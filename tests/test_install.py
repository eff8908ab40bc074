"""A non-editable install in a fresh virtual environment finds the bundled data.

This is the acceptance check of the foundation issue: from outside the checkout,
``pip install <checkout>`` then ``import oloy_model`` must work and reproduce the census total.
The venv reuses the site packages of the interpreter running the tests for the heavy
dependencies (numpy, pandas, ...) through a ``.pth`` file, so the test needs no download beyond
the build backend. (``system_site_packages=True`` would expose the *base* interpreter's
packages instead, which lack the dependencies when the tests run inside a virtual environment
as the README says.) A ``.pth`` line only adds a folder to ``sys.path``: the ``.pth`` files in
that folder, such as an editable install's hook, are not run, and the venv's own site packages
come first, so the package itself is the one installed into the venv, not taken from the
checkout (checked through ``oloy_model.__file__``).
"""
from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds venvs and installs the package

CHECKOUT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not (CHECKOUT / "pyproject.toml").is_file(), reason="needs the source checkout")
def test_non_editable_install_from_outside_the_checkout(tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    share_site_packages(python, environment)
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


def running_site_packages() -> list[str]:
    """The site-packages folders this interpreter imports from (not PYTHONPATH entries)."""
    return [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages") and Path(p).is_dir()]


def share_site_packages(python: Path, environment: dict) -> None:
    """Let the venv at ``python`` import the packages of the interpreter running the tests."""
    where = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                           capture_output=True, text=True, env=environment, check=True).stdout.strip()
    folders = running_site_packages()
    assert folders, sys.path
    (Path(where) / "_oloy_test_parent_site.pth").write_text("\n".join(folders) + "\n", encoding="utf-8")


def test_ci_runs_the_readme_test_command():
    readme = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    ci = (CHECKOUT / ".ci" / "run").read_text(encoding="utf-8")
    command = 'python -m pip install -e ".[test]" && python -m pytest'
    assert command in readme and command in ci
