"""The built wheel works installed into a fresh virtualenv, away from the source tree."""

from __future__ import annotations

import site
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_installs_and_runs_in_a_fresh_virtualenv(tmp_path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = dist.glob("simenv-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "simenv/envs/indoor_nav/env.py",
        "simenv/envs/driving/env.py",
        "simenv/envs/indoor_nav/expert.py",
        "simenv/envs/_template/env.py",
        "simenv/sensors/transparent.py",
        "simenv/sweep/run.py",
        "simenv/envs/transparent_grasp/env.py",
        "simenv/assets/panda/panda.urdf",
        "simenv/assets/panda/panda_meshes.npz",
        "simenv/agents/configs/ppo.yaml",
        "simenv/assets/README.md",
        "simenv/py.typed",
    ):
        assert expected in names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    # Dependencies come from this environment's site-packages (a plain path entry: its
    # .pth files, such as the editable simenv finder, are not processed).
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    Path(purelib.stdout.strip(), "deps.pth").write_text(site.getsitepackages()[0] + "\n")
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=300,
    )
    code = (
        "import importlib.resources as r, gymnasium as gym, simenv, simenv.agents;"
        "assert 'site-packages' in simenv.__file__, simenv.__file__;"
        "assert (r.files('simenv.assets') / 'README.md').is_file();"
        "env = gym.make('simenv/IndoorNav-v0', camera_size=(36, 36));"
        "obs, info = env.reset(seed=0); env.step(env.action_space.sample()); env.close();"
        "g = gym.make('simenv/TransparentGrasp-v0', camera_size=(36, 36)); g.reset(seed=0);"
        "g.close();"
        "print('ok', obs['rgb'].shape, simenv.__file__)"
    )
    out = subprocess.run(
        [str(py), "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok (36, 36, 3)") and str(venv) in out.stdout
