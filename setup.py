"""The one part of the build that pyproject.toml cannot say: ship the top-level resources/ inside the package.

The icons and example projects stay in resources/ (one copy in git). The
wheel maps that folder to the package ``layerlab._resources`` (its folders
to subpackages of it, so that setuptools sees data, not stray packages);
pip and pipx installs have them too, and :mod:`layerlab.resources` finds
them in every way LayerLab runs. The user guide (docs/, for Help › User
Guide) goes in as ``layerlab._resources.docs``: its Markdown and images only.
Everything else is in pyproject.toml.
"""

from setuptools import find_namespace_packages, find_packages, setup
from setuptools.command.build_py import build_py

RESOURCES = ["layerlab._resources", *(f"layerlab._resources.{name}" for name in find_namespace_packages("resources"))]
DOCS = {"layerlab._resources.docs": "docs", "layerlab._resources.docs.images": "docs/images"}


class BuildPy(build_py):
    """The docs folder's own scripts (screenshots.py) are tools of the repository, not part of the app."""

    def find_package_modules(self, package, package_dir):
        return [] if package in DOCS else super().find_package_modules(package, package_dir)


setup(
    packages=[*find_packages(include=["layerlab", "layerlab.*"]), *RESOURCES, *DOCS],
    package_dir={"layerlab._resources": "resources", **DOCS},
    package_data={**{name: ["*"] for name in RESOURCES}, "layerlab._resources.docs": ["*.md"],
                  "layerlab._resources.docs.images": ["*.png", "*.svg"]},
    cmdclass={"build_py": BuildPy},
)
