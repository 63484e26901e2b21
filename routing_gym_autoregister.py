"""Make ``gym.make("routing_gym/...")`` work without ``import routing_gym``.

Gymnasium 1.x no longer loads the ``gymnasium.envs`` entry points (0.26-0.29
did). This tiny module is imported at interpreter start by
``routing_gym_autoregister.pth`` (installed beside it) and costs almost
nothing: it only adds an import hook, and when ``gymnasium`` is imported it
registers the routing-gym ids right after. ``routing_gym`` itself is imported
only then. Set ``ROUTING_GYM_NO_AUTOREGISTER=1`` to disable.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys


class _RegisterAfterGymnasium(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        if fullname != "gymnasium":
            return None
        sys.meta_path.remove(self)  # find the real module with the other finders, once
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_and_register(module):  # type: ignore[no-untyped-def]
            exec_module(module)
            try:
                from routing_gym.envs.registration import register_envs

                register_envs()
            except Exception as exc:  # noqa: BLE001 - never break `import gymnasium`
                import warnings

                warnings.warn(f"routing-gym could not register its environments: {exc!r}", stacklevel=2)

        loader.exec_module = exec_and_register  # type: ignore[method-assign]
        return spec


def install() -> None:
    if os.environ.get("ROUTING_GYM_NO_AUTOREGISTER"):
        return
    if "gymnasium" in sys.modules:
        from routing_gym.envs.registration import register_envs

        register_envs()
    elif not any(isinstance(f, _RegisterAfterGymnasium) for f in sys.meta_path):
        sys.meta_path.insert(0, _RegisterAfterGymnasium())


install()
