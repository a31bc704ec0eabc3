"""Builds the embstore package, generating its gRPC stubs from the repository's protos/ first."""
import os
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_stubs  # noqa: E402  (beside this file, not installed)


class BuildWithStubs(build_py):
    """Generates embstore/_pb before the usual copy of the package's modules."""

    def run(self):
        generate_stubs.generate()
        super().run()


setup(cmdclass={"build_py": BuildWithStubs})
