"""Front-end files every site carries besides its pages: scripts, vendored with their licences.

Nothing is fetched at build or view time. Each engine loads the scripts as the theme's
``extra_javascript``, in the order listed (tablesort before its number parser, both before
Assay's own script).
"""

from __future__ import annotations

from importlib import resources

#: site path → file inside the `generator.render` package, in loading order.
SCRIPTS: dict[str, str] = {
    "assets/vendor/tablesort.min.js": "vendor/tablesort/tablesort.min.js",
    "assets/vendor/tablesort.number.min.js": "vendor/tablesort/tablesort.number.min.js",
    "assets/assay.js": "assay.js",
}
#: Licence files shipped beside the vendored scripts.
LICENSES: dict[str, str] = {
    "assets/vendor/tablesort.LICENSE.txt": "vendor/tablesort/LICENSE",
}


def asset_text(package_path: str) -> str:
    """The text of a packaged front-end file."""
    node = resources.files("generator.render")
    for part in package_path.split("/"):
        node = node.joinpath(part)
    return node.read_text("utf-8")


def site_assets() -> dict[str, str]:
    """site path → text of every script and licence file, in loading order."""
    return {path: asset_text(src) for path, src in {**SCRIPTS, **LICENSES}.items()}
