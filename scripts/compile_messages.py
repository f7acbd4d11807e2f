#!/usr/bin/env python
"""Compile linli/locale/*/LC_MESSAGES/django.po to .mo with polib (no system gettext needed
at run time). With --check: refresh the catalogue from the source (makemessages, needs
gettext), then fail if any message lacks an English translation or a .mo is stale."""

import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "linli" / "locale"


def main() -> int:
    check = "--check" in sys.argv
    if check:
        subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete",
                        "-i", ".venv/*", "-i", "bench/*", "-i", "var/*", "-i", "artifacts/*", "-v0"],
                       cwd=ROOT, check=True, env={**os.environ, "DJANGO_SETTINGS_MODULE": "linli.settings",
                            "LINLI_MODE": "development"})
    status = 0
    for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/django.po")):
        po = polib.pofile(str(po_path))
        # makemessages stamps POT-Creation-Date on every run; keep it out of the .mo so the
        # check compares translations, not the clock.
        po.metadata.pop("POT-Creation-Date", None)
        missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
        mo_path = po_path.with_suffix(".mo")
        if check:
            if missing:
                status = 1
                print(f"{po_path.relative_to(ROOT)}: {len(missing)} message(s) without translation:")
                for msgid in missing:
                    print("   ", msgid.replace("\n", "\\n")[:100])
            fresh = po.to_binary() if hasattr(po, "to_binary") else None
            if fresh is None:
                tmp = mo_path.with_suffix(".check.mo")
                po.save_as_mofile(str(tmp))
                fresh = tmp.read_bytes()
                tmp.unlink()
            if not mo_path.exists() or mo_path.read_bytes() != fresh:
                status = 1
                print(f"{mo_path.relative_to(ROOT)} is stale: run `make messages` and commit it")
        else:
            po.save_as_mofile(str(mo_path))
            print(f"compiled {mo_path.relative_to(ROOT)} ({len(po.translated_entries())} messages)")
    return status


if __name__ == "__main__":
    sys.exit(main())
