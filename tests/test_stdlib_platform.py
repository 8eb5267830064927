"""platform/ is a source root, not a package: `import platform` must stay the stdlib's."""

import platform
import uuid

from vitrine.config.env import ROOT_DIR


def test_stdlib_platform_module_still_works_inside_the_project():
    # given the project's platform/ folder on the path (the vitrine package lives there)
    # when the standard library module is used
    system = platform.system()

    # then it is the real module, and the modules that depend on it work
    assert system in {"Linux", "Darwin", "Windows"}
    assert platform.python_version().startswith("3.")
    assert uuid.uuid4().version == 4
    assert not (ROOT_DIR / "platform" / "__init__.py").exists()
