"""The one part of the build that pyproject.toml cannot say: ship the top-level resources/ inside the package.

The icons and example projects stay in resources/ (one copy in git). The
wheel maps that folder to the package ``layerlab._resources`` (its folders
to subpackages of it, so that setuptools sees data, not stray packages);
pip and pipx installs have them too, and :mod:`layerlab.resources` finds
them in every way LayerLab runs. Everything else is in pyproject.toml.
"""

from setuptools import find_namespace_packages, find_packages, setup

RESOURCES = ["layerlab._resources", *(f"layerlab._resources.{name}" for name in find_namespace_packages("resources"))]

setup(
    packages=[*find_packages(include=["layerlab", "layerlab.*"]), *RESOURCES],
    package_dir={"layerlab._resources": "resources"},
    package_data={name: ["*"] for name in RESOURCES},
)
