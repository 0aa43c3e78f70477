"""Package discovery for the one ``simenv`` namespace (everything else is in pyproject.toml).

``envs/``, ``agents/`` and ``assets/`` sit beside ``simenv/`` in the repository and install
as ``simenv.envs``, ``simenv.agents`` and ``simenv.assets``. Every package below them is
found here, so a new family folder under ``envs/`` ships in the wheel with no edit.
"""

from setuptools import find_packages, setup

ROOTS = {
    "simenv": "simenv",
    "simenv.envs": "envs",
    "simenv.agents": "agents",
    "simenv.assets": "assets",
}


def packages() -> list[str]:
    return [
        pkg
        for name, folder in ROOTS.items()
        for pkg in (name, *(f"{name}.{sub}" for sub in find_packages(folder)))
    ]


setup(packages=packages(), package_dir=ROOTS)
