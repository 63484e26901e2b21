"""Build hook: ship ``routing_gym_autoregister.pth`` at the top of site-packages.

Everything else lives in pyproject.toml. The .pth file imports the tiny
``routing_gym_autoregister`` module at interpreter start, which registers the
environment ids once ``gymnasium`` is imported (Gymnasium 1.x dropped entry-point
plugins), so ``gym.make("routing_gym/TSP-v0")`` works without importing routing_gym.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.editable_wheel import editable_wheel

PTH = "routing_gym_autoregister.pth"


class BuildPyWithPth(build_py):
    def run(self) -> None:
        super().run()
        shutil.copy(PTH, Path(self.build_lib) / PTH)

    def get_outputs(self, include_bytecode: bool = True) -> list:
        return [*super().get_outputs(include_bytecode), str(Path(self.build_lib) / PTH)]


class EditableWheelWithPth(editable_wheel):
    def _create_wheel_file(self, bdist_wheel):  # type: ignore[no-untyped-def]
        # The editable wheel holds only path hooks; add our .pth to its root as well.
        self._extra_pth = True
        return super()._create_wheel_file(bdist_wheel)

    def _run_build_commands(self, dist_name, unpacked_wheel, build_lib, tmp_dir):  # type: ignore[no-untyped-def]
        result = super()._run_build_commands(dist_name, unpacked_wheel, build_lib, tmp_dir)
        shutil.copy(PTH, Path(unpacked_wheel) / PTH)
        return result


setup(cmdclass={"build_py": BuildPyWithPth, "editable_wheel": EditableWheelWithPth})
