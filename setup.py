"""Build hook: the wheel carries what the site needs besides Python code.

``templates/``, ``static/`` and ``migrations/`` stay at the top level of the checkout (see
DESIGN.md §2) and are copied into the package as ``app/_site/`` when a wheel is built;
the message catalogues are compiled into ``.mo`` files on the way. Everything else about
the package is declared in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SITE_FOLDERS = ("templates", "static", "migrations")


class BuildWithSite(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout itself
            return
        package = Path(self.build_lib, "app")
        shutil.rmtree(package / "_site", ignore_errors=True)  # no file deleted since lingers
        for folder in SITE_FOLDERS:
            self.copy_tree(folder, str(package / "_site" / folder))
        self._compile_catalogues(package / "translations")

    @staticmethod
    def _compile_catalogues(target: Path) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_path in Path("app/translations").glob("*/LC_MESSAGES/messages.po"):
            mo_path = target / po_path.relative_to("app/translations").with_suffix(".mo")
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)


setup(cmdclass={"build_py": BuildWithSite})
