"""Pseudonymisation of person keys with a keyed hash (HMAC-SHA-256), applied at import.

Sozialdaten (§ 35 SGB I, Art. 4 Nr. 5 DSGVO): the source key (e.g. the AZR number) is replaced
by HMAC-SHA-256(key, normalised source key) before anything is stored, so that the same person
gets the same pseudonym in both offices' extracts and across Stichtage, while nobody without
the key can recompute it. The key lives outside the repository: in the environment variable
``INTEGRATIONSMONITOR_KEY`` or in the file named by ``INTEGRATIONSMONITOR_KEY_FILE``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from integrationsmonitor.errors import InputError, Problem
from integrationsmonitor.paths import project_root

# Loudly named: this key is public (it is in the repository) and protects nothing.
DEMO_KEY = b"DEMO-SCHLUESSEL-NUR-FUER-SYNTHETISCHE-DEMODATEN"
# Source keys of the synthetic demo data start with this marker; real keys never do.
DEMO_KEY_PREFIX = "DEMO-"
ENV_KEY = "INTEGRATIONSMONITOR_KEY"
ENV_KEY_FILE = "INTEGRATIONSMONITOR_KEY_FILE"
MIN_KEY_BYTES = 32


def load_key(demo: bool = False) -> bytes:
    """The pseudonymisation key: the demo key, or the real one from environment or key file.

    Raises:
        InputError: no key configured, a key that is too short, or a key file inside the
            project folder (where it could end up in git).
    """
    if demo:
        return DEMO_KEY
    if os.environ.get(ENV_KEY_FILE):
        path = Path(os.environ[ENV_KEY_FILE]).expanduser().resolve()
        if path.is_relative_to(project_root().resolve()):
            raise InputError(Problem(path.name, "die Schlüsseldatei liegt im Projektordner; "
                                     "bitte außerhalb ablegen (sie darf nie in git landen)"))
        key = read_key_file(path)
    elif os.environ.get(ENV_KEY):
        key = os.environ[ENV_KEY].encode("utf-8")
    else:
        raise InputError(Problem("(Schlüssel)", f"kein Pseudonymisierungsschlüssel: bitte "
                                 f"{ENV_KEY_FILE} (Pfad zu einer Schlüsseldatei außerhalb des "
                                 f"Projekts) oder {ENV_KEY} setzen; für Demo-Daten --demo-key"))
    if len(key) < MIN_KEY_BYTES:
        raise InputError(Problem("(Schlüssel)", f"der Schlüssel ist zu kurz (mindestens "
                                 f"{MIN_KEY_BYTES} Zeichen, z. B. `openssl rand -hex 32`)"))
    if key == DEMO_KEY:
        raise InputError(Problem("(Schlüssel)", "der Demo-Schlüssel ist als echter Schlüssel "
                                 "eingetragen"))
    return key


def read_key_file(path: Path) -> bytes:
    """The key in a key file that only its owner can read, as ssh demands of a private key.

    Raises:
        InputError: a missing file, a folder, an unreadable file, or a file that group or
            others may read (with the ``chmod`` that fixes it).
    """
    if path.is_dir():
        raise InputError(Problem(path.name, f"ist ein Ordner, keine Schlüsseldatei ({path}); "
                                 f"{ENV_KEY_FILE} muss auf die Datei selbst zeigen"))
    if not path.exists():
        raise InputError(Problem(path.name, f"Schlüsseldatei nicht gefunden ({path})"))
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and mode & 0o077:
        # Like ssh's "UNPROTECTED PRIVATE KEY FILE": refuse, do not only warn, because the key
        # is what keeps the pseudonyms from being recomputed.
        raise InputError(Problem(path.name, f"die Schlüsseldatei ist auch für andere lesbar "
                                 f"(Rechte {mode:04o}); sie wird so nicht verwendet. Bitte "
                                 f"„chmod 600 {path}“ ausführen"))
    try:
        return path.read_bytes().strip()
    except OSError as exc:
        raise InputError(Problem(path.name, f"Schlüsseldatei nicht lesbar ({exc.strerror})")) \
            from None


def normalise_source_key(value: str) -> str:
    """Upper case without blanks, so that "azr 1234" and "AZR1234" are one person."""
    return "".join(str(value).split()).upper()


def pseudonymise(source_keys: Iterable[str], key: bytes) -> list[str]:
    """HMAC-SHA-256 hex digests (64 characters) of the normalised source keys."""
    return [hmac.new(key, normalise_source_key(k).encode("utf-8"), hashlib.sha256).hexdigest()
            for k in source_keys]


def is_demo_source_key(value: str) -> bool:
    return normalise_source_key(value).startswith(DEMO_KEY_PREFIX)
